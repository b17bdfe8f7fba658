import { Global, Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AuthGuard } from './auth.guard';

/** JWT signing/verification and the global auth guard. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject, not a string: jsonwebtoken otherwise tries to parse the string as a PEM
        // key on every sign/verify and throws, which costs about a millisecond per request.
        secret: createSecretKey(Buffer.from(config.jwt.secret, 'utf8')),
        signOptions: { expiresIn: config.jwt.ttlSeconds, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
  exports: [JwtModule],
})
export class AuthCoreModule {}
