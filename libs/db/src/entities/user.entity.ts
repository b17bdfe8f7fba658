import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from '@app/domain';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** lower-cased; replaced by an opaque value when the member erases their data */
  @Column({ type: 'text', unique: true }) email: string;
  @Column({ type: 'text', nullable: true }) passwordHash: string | null;
  @Column({ type: 'text' }) role: Role;
  @Column({ type: 'text', nullable: true }) displayName: string | null;
  @Column({ type: 'uuid', nullable: true }) brandId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) erasedAt: Date | null;
}
