import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { loadDashboardHtml } from './dashboard.page';

/** `GET /`: the operator page (static HTML + JS; it calls the API with the key the operator pastes). */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardHttpController {
  private readonly html = loadDashboardHtml();

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
  @Header('X-Content-Type-Options', 'nosniff')
  page(): string {
    return this.html;
  }
}
