"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=checkpoint-events.js.map