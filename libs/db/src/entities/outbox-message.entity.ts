import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A job written in the same transaction as the state change that causes it;
 * the relay in fulfillment-service moves it into BullMQ (transactional outbox).
 */
@Entity('outbox')
export class OutboxMessage {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column({ type: 'text' }) queue: string;
  @Column({ type: 'text' }) jobName: string;
  /** BullMQ jobId derived from the business key, so a re-relayed row is not a second job */
  @Column({ type: 'text' }) jobId: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  /** the job runs no earlier than this (BullMQ delay) */
  @Column({ type: 'timestamptz', default: () => 'now()' }) runAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) publishedAt: Date | null;
}
