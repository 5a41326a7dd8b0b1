import { Controller, Get, Req, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/auth.decorators';
import type { GatewayRequest, GatewayResponse } from '../common/http-types';
import { ApiKeyService, type Caller } from '../keys/api-key.service';
import { parseBearer } from '../auth/bearer';
import { ApiRead } from '../openapi/api-docs.decorators';
import { LiveFeed } from './live-feed';
import { openSseSession } from './sse-session';

/** `GET /api/v1/stream`: the dashboard's live feed as server-sent events. */
@ApiTags('stream')
@Controller('stream')
export class LiveStreamHttpController implements BeforeApplicationShutdown {
  private readonly sessions = new Set<() => void>();

  constructor(
    private readonly feed: LiveFeed,
    private readonly keys: ApiKeyService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Live events and fleet rates (server-sent events)',
    description:
      '`text/event-stream`: first `hello` `{"name", "role", "stats"}`, then `event` for each event of the log from now on, ' +
      'in log order, once the read models include it (`id` = stream sequence; data: seq, id, type, aggregate, aggregateId, ' +
      'agentId, occurredAt, actor, prevHash, hash, summary), and `stats` every 2 s `{"at", "vitalsPerSecond", ' +
      '"eventsPerSecond", "vitalsSeq", "eventsSeq", "readModelSeq", "listeners"}`. The key goes in the Authorization ' +
      'header (read it with fetch; EventSource cannot send headers). After a reconnect, reload what you show. Needs `viewer`.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'The stream (never ends on its own).' })
  @ApiRead()
  stream(@Req() req: GatewayRequest, @Res() res: GatewayResponse, @CurrentCaller() caller: Caller): void {
    const key = parseBearer(req.headers.authorization);
    const close = openSseSession(this.feed, res, {
      hello: { name: caller.name, role: caller.role },
      // A key deleted while its stream is open stops receiving the log (within the key cache's few seconds).
      stillAllowed: async () => key !== undefined && (await this.keys.authenticate(key)) !== null,
    });
    const end = () => {
      this.sessions.delete(end);
      close();
    };
    this.sessions.add(end);
    req.on('close', end);
    res.on('error', end);
  }

  /** Open streams would keep the HTTP server from closing: end them first. */
  beforeApplicationShutdown(): void {
    for (const end of [...this.sessions]) end();
  }
}
