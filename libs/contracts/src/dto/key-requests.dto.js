"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CreateKeyRequestDto = void 0;
const class_validator_1 = require("class-validator");
const roles_1 = require("../roles");
/** `POST /keys` */
class CreateKeyRequestDto {
    name;
    role;
}
exports.CreateKeyRequestDto = CreateKeyRequestDto;
__decorate([
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.Matches)(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'name must be 1-64 characters of A-Z a-z 0-9 _ . @ -' }),
    __metadata("design:type", String)
], CreateKeyRequestDto.prototype, "name", void 0);
__decorate([
    (0, class_validator_1.IsIn)(roles_1.ROLES),
    __metadata("design:type", String)
], CreateKeyRequestDto.prototype, "role", void 0);
//# sourceMappingURL=key-requests.dto.js.map