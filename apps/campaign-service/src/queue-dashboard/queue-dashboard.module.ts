import { Module } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { ALL_QUEUE_NAMES } from '@app/queue';
import { AuthModule } from '../auth/auth.module';
import { LiveAccounts } from '../auth/live-accounts';
import { DASHBOARD_ROUTE, dashboardAccess } from './dashboard-access';
import { DashboardTickets } from './dashboard-tickets';
import { QueueDashboardController } from './queue-dashboard.controller';

@Module({ providers: [DashboardTickets], exports: [DashboardTickets] })
class DashboardTicketsModule {}

/** bull-board over every queue of the contract, admins only. */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [AuthModule, DashboardTicketsModule],
      inject: [JwtService, LiveAccounts, DashboardTickets],
      useFactory: (jwt: JwtService, accounts: LiveAccounts, tickets: DashboardTickets): BullBoardModuleOptions => ({
        route: DASHBOARD_ROUTE,
        // @bull-board/express 9.10.1 types against a copy of @bull-board/api 9.10.1; same runtime shape.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: dashboardAccess(jwt, accounts, tickets.spend, tickets.redisAnswering),
      }),
    }),
    BullBoardModule.forFeature(...ALL_QUEUE_NAMES.map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  controllers: [QueueDashboardController],
})
export class QueueDashboardModule {}
