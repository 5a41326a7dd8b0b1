"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=views.js.map