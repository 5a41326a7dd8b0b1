import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ImmuneError, type VitalsHistoryView } from '@immune/contracts';
import { validationError } from '../../common/problem';
import { AgentIdPipe } from '../../agents/agent-id.pipe';
import { AgentQueries } from '../../agents/agent.queries';
import { ApiProblems, ApiRead, ref } from '../../openapi/api-docs.decorators';
import { MAX_RANGE_MS, VitalsHistoryQueries } from '../vitals-history.queries';

const DEFAULT_RANGE_MS = 60 * 60_000;
const MAX_TIME_MS = 8_640_000_000_000_000;

@ApiTags('agents')
@Controller('agents')
export class GetAgentVitalsHttpController {
  constructor(
    private readonly agents: AgentQueries,
    private readonly history: VitalsHistoryQueries,
  ) {}

  @Get(':agentId/vitals')
  @ApiOperation({
    summary: 'An agent\'s vitals history',
    description:
      'Per-minute rollups (count, failures, retries, mean/max latency, tokens, cost, tool calls) with `from ≤ minute < to`, ' +
      'oldest first, by the vitals\' own `ts`; `from`/`to` are ISO-8601 or epoch ms, default the last hour, at most 7 days. ' +
      'Also the baseline band (mean ± σ per metric, from the sentinel\'s last snapshot) and the newest vitals held in memory. ' +
      'Rollups are written every few seconds: the current minute may lag. History, not a projection of the event log. Needs `viewer`.',
  })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiQuery({ name: 'from', required: false, description: 'ISO-8601 or epoch ms; default `to` − 1 h.' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601 or epoch ms; default now.' })
  @ApiOkResponse({ schema: ref('VitalsHistory') })
  @ApiRead()
  @ApiProblems(404)
  async get(@Param('agentId', AgentIdPipe) agentId: string, @Query('from') from?: string, @Query('to') to?: string): Promise<VitalsHistoryView> {
    const toMs = parseTime('to', to) ?? Date.now();
    const fromMs = parseTime('from', from) ?? toMs - DEFAULT_RANGE_MS;
    if (fromMs >= toMs) throw validationError([{ field: 'from', messages: ['from must be before to'] }]);
    if (toMs - fromMs > MAX_RANGE_MS) throw validationError([{ field: 'from', messages: ['the range may span at most 7 days'] }]);
    if (!(await this.agents.get(agentId))) throw new ImmuneError('AGENT.NOT_FOUND', 'Agent not found', `agent "${agentId}" is not registered`);
    return this.history.history(agentId, { fromMs, toMs });
  }
}

function parseTime(field: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  // Before 1970 or past what a Date holds (±8.64e15 ms) would only fail later, as a 500, when the range is printed.
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS || raw.length > 64) throw validationError([{ field, messages: [`${field} must be an ISO-8601 time or epoch milliseconds`] }]);
  return ms;
}
