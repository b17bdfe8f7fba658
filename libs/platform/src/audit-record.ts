import type { EntityManager } from 'typeorm';

/** What happened, in the caller's words; `before`/`after` hold only the fields that changed or matter. */
export interface AuditRecord {
  /** the acting user; null when the system acted on its own (webhook, scheduled job) */
  actorId: string | null;
  /** `<entity>.<verb>`, e.g. `campaign.approve`, `claim.cancel`, `refund.issue` */
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

const toJson = (value: Record<string, unknown> | null | undefined) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * Appends one entry to the append-only audit log, in the caller's transaction so an action
 * and its audit entry commit or roll back together. Usable from any service (workers too).
 */
export async function recordAudit(manager: EntityManager, entry: AuditRecord): Promise<void> {
  await manager.query(`INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after) VALUES ($1, $2, $3, $4, $5, $6)`, [
    entry.actorId,
    entry.action,
    entry.entityType,
    entry.entityId,
    toJson(entry.before),
    toJson(entry.after),
  ]);
}
