import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { GatewayResponse } from '../common/http-types';
import { DASHBOARD_HTML_HEADERS, dashboardAssets } from './dashboard-assets';

/**
 * `GET /`: the operator dashboard (apps/dashboard, built by `npm run build`); its files and page paths are
 * served by `DashboardAssets.middleware()` (main.ts). It calls the API with the key the operator signs in with.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardHttpController {
  @Get()
  page(@Res({ passthrough: true }) res: GatewayResponse): string {
    for (const [k, v] of Object.entries(DASHBOARD_HTML_HEADERS)) res.setHeader(k, v);
    return dashboardAssets().indexHtml();
  }
}
