import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only record of an admin or money action; the database refuses updates and deletes. */
@Entity('audit_log')
export class AuditLogEntry {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** null when the system acted on its own (a webhook, a scheduled job) */
  @Column({ type: 'uuid', nullable: true }) actorId: string | null;
  @Column({ type: 'text' }) action: string;
  @Column({ type: 'text' }) entityType: string;
  @Column({ type: 'text' }) entityId: string;
  @Column({ type: 'jsonb', nullable: true }) before: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) after: Record<string, unknown> | null;
  @Column({ type: 'timestamptz', insert: false, update: false, default: () => "date_trunc('milliseconds', clock_timestamp())" }) createdAt: Date;
}
