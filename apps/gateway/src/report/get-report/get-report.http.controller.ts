import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReportView } from '@immune/contracts';
import { ApiRead, ref } from '../../openapi/api-docs.decorators';
import { ReportQueries } from '../report.queries';

@ApiTags('quarantines')
@Controller('report')
export class GetReportHttpController {
  constructor(private readonly report: ReportQueries) {}

  @Get()
  @ApiOperation({ summary: 'Quarantine report', description: 'Totals, current quarantines, averages, posture and a one-line summary. Needs `viewer`.' })
  @ApiOkResponse({ schema: ref('ReportView') })
  @ApiRead()
  get(): Promise<ReportView> {
    return this.report.get();
  }
}
