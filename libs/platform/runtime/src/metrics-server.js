"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createMetricsRegistry = createMetricsRegistry;
exports.startMetricsServer = startMetricsServer;
const node_http_1 = require("node:http");
const prom_client_1 = require("prom-client");
/** A registry per service, with Node's default metrics labelled by service. */
function createMetricsRegistry(service) {
    const registry = new prom_client_1.Registry();
    registry.setDefaultLabels({ service });
    (0, prom_client_1.collectDefaultMetrics)({ register: registry });
    return registry;
}
/** Serves `GET /metrics` of a registry on its own port (0 = any free port); resolves with the bound port. */
async function startMetricsServer(registry, port) {
    const server = (0, node_http_1.createServer)((req, res) => {
        if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
            registry
                .metrics()
                .then((text) => {
                res.writeHead(200, { 'content-type': registry.contentType });
                res.end(text);
            })
                .catch((e) => {
                res.writeHead(500, { 'content-type': 'text/plain' });
                res.end(String(e));
            });
            return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics\n');
    });
    await new Promise((ok, fail) => {
        server.once('error', fail);
        server.listen(port, '127.0.0.1', () => ok());
    });
    const addr = server.address();
    return {
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () => new Promise((ok) => server.close(() => ok())),
    };
}
//# sourceMappingURL=metrics-server.js.map