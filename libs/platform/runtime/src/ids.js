"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.newId = newId;
const node_crypto_1 = require("node:crypto");
/** Time-ordered unique ids (UUIDv7 layout) so ids sort by creation. */
function newId(now = Date.now()) {
    const hex = (0, node_crypto_1.randomUUID)().replace(/-/g, '');
    const ts = now.toString(16).padStart(12, '0');
    const v7 = `${ts}7${hex.slice(13, 16)}${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 32)}`;
    return `${v7.slice(0, 8)}-${v7.slice(8, 12)}-${v7.slice(12, 16)}-${v7.slice(16, 20)}-${v7.slice(20, 32)}`;
}
//# sourceMappingURL=ids.js.map