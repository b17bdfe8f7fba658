import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens (rotated within a family; reuse of a rotated one revokes the family), an
 * append-only audit log (a trigger refuses UPDATE, DELETE and TRUNCATE, so not even a bug in
 * the application can rewrite history), and the claim-abuse records: shipping address
 * fingerprints and claims held for admin review.
 */
export class SessionsAndAudit1764115700000 implements MigrationInterface {
  name = 'SessionsAndAudit1764115700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        family_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoke_reason text CHECK (revoke_reason IN ('rotated', 'reused', 'logout', 'password_changed')),
        CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL))
      );
      CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id) WHERE revoked_at IS NULL;
      CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor_id uuid,
        action text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
        entity_type text NOT NULL CHECK (length(entity_type) BETWEEN 1 AND 100),
        entity_id text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 200),
        before jsonb,
        after jsonb,
        -- milliseconds, like the keyset cursors of the list that pages through it
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp())
      );
      CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
      CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, created_at DESC);

      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$;
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      -- Where physical perks of a campaign go, as a fingerprint only (the address itself is
      -- erased after fulfilment); several accounts shipping to one place are held for review.
      CREATE TABLE claim_address_fingerprints (
        claim_id uuid PRIMARY KEY REFERENCES claims(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        member_id uuid NOT NULL REFERENCES users(id),
        fingerprint char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX claim_address_fingerprints_lookup_idx ON claim_address_fingerprints (campaign_id, fingerprint, member_id);

      CREATE TABLE claim_holds (
        claim_id uuid PRIMARY KEY REFERENCES claims(id),
        reason text NOT NULL CHECK (reason IN ('shared_shipping_address')),
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
        released_at timestamptz,
        released_by uuid REFERENCES users(id)
      );
      CREATE INDEX claim_holds_open_idx ON claim_holds (created_at, claim_id) WHERE released_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE claim_holds, claim_address_fingerprints;
      DROP TABLE audit_log;
      DROP FUNCTION audit_log_append_only();
      DROP TABLE refresh_tokens;
    `);
  }
}
