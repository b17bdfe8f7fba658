import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, DEV_DEFAULTS, PUBLIC_JWT_SECRETS } from '@app/config';
import { Brand, pgErrorCode, User } from '@app/db';
import { DomainError, ErrorCode, Role } from '@app/domain';
import {
  ChangePasswordDto,
  LoginDto,
  MeDto,
  RegisterBrandDto,
  RegisteredBrandDto,
  RegisteredMemberDto,
  RegisterMemberDto,
  SessionTokensDto,
} from './dto/auth.dto';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password-hasher';
import { SessionService } from './session.service';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates the admin account from ADMIN_EMAIL / ADMIN_PASSWORD when it does not exist yet, and
   * warns about credentials anyone can read: the public defaults in the configuration, an admin
   * account that still takes the default password (e.g. created before ADMIN_EMAIL was changed),
   * and an ADMIN_PASSWORD that is no longer the admin's (it only creates the account).
   */
  async onApplicationBootstrap(): Promise<void> {
    const { email, password } = this.config.admin;
    if (PUBLIC_JWT_SECRETS.includes(this.config.jwt.secret)) this.logger.warn('JWT_SECRET is a published example value: anyone can sign tokens; set your own');
    if (password === DEV_DEFAULTS.adminPassword) this.logger.warn('ADMIN_PASSWORD is the public development default; set your own');
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(User)
      .values({ email, passwordHash: await hashPassword(password), role: Role.Admin, displayName: 'Administrator' })
      .orIgnore()
      .execute();
    if (result.identifiers.length && result.identifiers[0]) this.logger.log('Created the admin account from ADMIN_EMAIL');
    await this.warnAboutAdminPasswords();
  }

  private async warnAboutAdminPasswords(): Promise<void> {
    const admins: { email: string; passwordHash: string | null }[] = await this.dataSource.query(
      `SELECT email, password_hash AS "passwordHash" FROM users WHERE role = 'admin' AND erased_at IS NULL ORDER BY email`,
    );
    for (const admin of admins) {
      if (await verifyPassword(admin.passwordHash, DEV_DEFAULTS.adminPassword)) {
        this.logger.warn(`Admin account ${admin.email} still takes the public default password; change it (POST /auth/password)`);
      } else if (admin.email === this.config.admin.email && !(await verifyPassword(admin.passwordHash, this.config.admin.password))) {
        this.logger.warn(`ADMIN_PASSWORD is not the password of admin account ${admin.email}: it only creates the account; change the password with POST /auth/password`);
      }
    }
  }

  async registerMember(dto: RegisterMemberDto): Promise<RegisteredMemberDto> {
    const user = await this.insertUser(this.dataSource.manager, {
      email: dto.email,
      passwordHash: await hashPassword(dto.password),
      role: Role.Member,
      displayName: dto.displayName,
    });
    return { id: user.id, email: user.email, role: user.role };
  }

  async registerBrand(dto: RegisterBrandDto): Promise<RegisteredBrandDto> {
    const passwordHash = await hashPassword(dto.password);
    return this.dataSource.transaction(async (manager) => {
      const brand = await manager.save(manager.create(Brand, { name: dto.brandName }));
      const user = await this.insertUser(manager, {
        email: dto.email,
        passwordHash,
        role: Role.Brand,
        displayName: dto.brandName,
        brandId: brand.id,
      });
      return { brandId: brand.id, userId: user.id };
    });
  }

  async login(dto: LoginDto): Promise<SessionTokensDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ email: dto.email });
    const valid = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, dto.password);
    const wrong = new DomainError(ErrorCode.InvalidCredentials, 'Email or password is wrong');
    if (!user || !valid || user.erasedAt) throw wrong;
    const tokens = await this.dataSource.transaction(async (manager) => {
      // The password checked above must still be the account's as the session starts: a change (or
      // an erasure) committed meanwhile ended every session, and this one must not outlive it.
      const [current] = await manager.query(`SELECT 1 FROM users WHERE id = $1 AND password_hash = $2 AND erased_at IS NULL FOR SHARE`, [
        user.id,
        user.passwordHash,
      ]);
      return current ? this.sessions.start(user, manager) : null;
    });
    if (!tokens) throw wrong;
    return tokens;
  }

  /** Sets a new password and ends every session of the user, including the caller's. */
  async changePassword(userId: string, dto: ChangePasswordDto): Promise<void> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id: userId });
    if (!user || user.erasedAt || !(await verifyPassword(user.passwordHash, dto.currentPassword))) {
      throw new DomainError(ErrorCode.InvalidCredentials, 'The current password is wrong');
    }
    const passwordHash = await hashPassword(dto.newPassword);
    await this.dataSource.transaction(async (manager) => {
      // Sessions start and rotate under a share lock on this row: those in flight end before the
      // revocation below (which then sees their tokens), later ones see the new password.
      const [current]: { password_hash: string | null }[] = await manager.query(`SELECT password_hash FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      if (current?.password_hash !== user.passwordHash) throw new DomainError(ErrorCode.InvalidCredentials, 'The current password is wrong');
      await manager.update(User, { id: userId }, { passwordHash });
      await this.sessions.revokeAll(manager, userId, 'password_changed');
    });
  }

  async me(userId: string): Promise<MeDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id: userId });
    // An erased account's access token may still be within its lifetime; it no longer names anyone.
    if (!user || user.erasedAt) throw new DomainError(ErrorCode.Unauthorized, 'The account no longer exists');
    return { id: user.id, email: user.email, role: user.role, displayName: user.displayName, brandId: user.brandId };
  }

  private async insertUser(manager: EntityManager, values: Partial<User>): Promise<User> {
    try {
      return await manager.save(manager.create(User, values));
    } catch (error) {
      if (pgErrorCode(error) === '23505') {
        throw new DomainError(ErrorCode.EmailTaken, 'An account with this email already exists');
      }
      throw error;
    }
  }
}
