"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=agent-commands.js.map