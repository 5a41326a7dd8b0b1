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
exports.AddNoteRequestDto = exports.EscalateAgentRequestDto = exports.ResolutionRequestDto = exports.QuarantineAgentRequestDto = void 0;
const class_validator_1 = require("class-validator");
const agent_events_1 = require("../agent-events");
/** `POST /agents/{id}/quarantine` */
class QuarantineAgentRequestDto {
    reason;
    reasonCode;
    severity;
    level;
    ttlSeconds;
    source;
}
exports.QuarantineAgentRequestDto = QuarantineAgentRequestDto;
__decorate([
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.IsNotEmpty)(),
    (0, class_validator_1.MaxLength)(2000),
    __metadata("design:type", String)
], QuarantineAgentRequestDto.prototype, "reason", void 0);
__decorate([
    (0, class_validator_1.IsOptional)(),
    (0, class_validator_1.IsIn)(agent_events_1.REASON_CODES),
    __metadata("design:type", String)
], QuarantineAgentRequestDto.prototype, "reasonCode", void 0);
__decorate([
    (0, class_validator_1.IsOptional)(),
    (0, class_validator_1.IsIn)(agent_events_1.SEVERITIES),
    __metadata("design:type", String)
], QuarantineAgentRequestDto.prototype, "severity", void 0);
__decorate([
    (0, class_validator_1.IsOptional)(),
    (0, class_validator_1.IsIn)(agent_events_1.QUARANTINE_LEVELS),
    __metadata("design:type", String)
], QuarantineAgentRequestDto.prototype, "level", void 0);
__decorate([
    (0, class_validator_1.IsOptional)(),
    (0, class_validator_1.IsInt)(),
    (0, class_validator_1.Min)(1),
    (0, class_validator_1.Max)(31_536_000),
    __metadata("design:type", Number)
], QuarantineAgentRequestDto.prototype, "ttlSeconds", void 0);
__decorate([
    (0, class_validator_1.IsOptional)(),
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.IsNotEmpty)(),
    (0, class_validator_1.MaxLength)(128),
    __metadata("design:type", String)
], QuarantineAgentRequestDto.prototype, "source", void 0);
/** `POST /agents/{id}/release` and `/terminate` */
class ResolutionRequestDto {
    resolution;
}
exports.ResolutionRequestDto = ResolutionRequestDto;
__decorate([
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.IsNotEmpty)(),
    (0, class_validator_1.MaxLength)(2000),
    __metadata("design:type", String)
], ResolutionRequestDto.prototype, "resolution", void 0);
/** `POST /agents/{id}/escalate` */
class EscalateAgentRequestDto {
    reason;
}
exports.EscalateAgentRequestDto = EscalateAgentRequestDto;
__decorate([
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.IsNotEmpty)(),
    (0, class_validator_1.MaxLength)(2000),
    __metadata("design:type", String)
], EscalateAgentRequestDto.prototype, "reason", void 0);
/** `POST /agents/{id}/notes` */
class AddNoteRequestDto {
    note;
}
exports.AddNoteRequestDto = AddNoteRequestDto;
__decorate([
    (0, class_validator_1.IsString)(),
    (0, class_validator_1.IsNotEmpty)(),
    (0, class_validator_1.MaxLength)(4000),
    __metadata("design:type", String)
], AddNoteRequestDto.prototype, "note", void 0);
//# sourceMappingURL=agent-requests.dto.js.map