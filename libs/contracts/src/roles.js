"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ROLES = void 0;
exports.roleAllows = roleAllows;
/** viewer < operator < admin; `ingest` is separate and may only post vitals. */
exports.ROLES = ['viewer', 'operator', 'admin', 'ingest'];
const RANK = { ingest: -1, viewer: 0, operator: 1, admin: 2 };
/** Whether a key of role `have` may do what needs role `need`. */
function roleAllows(have, need) {
    if (need === 'ingest' || have === 'ingest')
        return have === need;
    return RANK[have] >= RANK[need];
}
//# sourceMappingURL=roles.js.map