import { Module } from '@nestjs/common';
import { ProviderKeyGuard } from './provider-key.guard';
import { ScoresController } from './scores.controller';
import { ScoresService } from './scores.service';

@Module({ controllers: [ScoresController], providers: [ScoresService, ProviderKeyGuard] })
export class ScoresModule {}
