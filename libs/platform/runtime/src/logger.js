"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.loggerOptions = loggerOptions;
exports.createLogger = createLogger;
const pino_1 = __importDefault(require("pino"));
/** Structured logging for every service: JSON in production, pretty on a terminal. */
function loggerOptions(service, config) {
    return {
        level: config.logLevel,
        base: { service, ns: config.namespace },
        timestamp: pino_1.default.stdTimeFunctions.isoTime,
        redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
        ...(config.logFormat === 'pretty'
            ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,ns' } } }
            : {}),
    };
}
function createLogger(service, config) {
    return (0, pino_1.default)(loggerOptions(service, config));
}
//# sourceMappingURL=logger.js.map