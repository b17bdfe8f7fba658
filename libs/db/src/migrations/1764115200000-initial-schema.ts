import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE brands (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        password_hash text,
        role text NOT NULL CHECK (role IN ('member', 'brand', 'admin')),
        display_name text,
        brand_id uuid REFERENCES brands(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        CHECK ((role = 'brand') = (brand_id IS NOT NULL))
      );

      CREATE TABLE member_profiles (
        member_id uuid PRIMARY KEY REFERENCES users(id),
        country char(2),
        birth_date date,
        opted_in boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX member_profiles_opted_in_idx ON member_profiles (member_id) WHERE opted_in;

      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        brand_id uuid NOT NULL REFERENCES brands(id),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        perk_kind text NOT NULL CHECK (perk_kind IN ('digital_code', 'physical', 'experience')),
        perk_title text NOT NULL,
        unit_cost_cents integer NOT NULL CHECK (unit_cost_cents >= 1),
        total_units integer NOT NULL CHECK (total_units >= 0),
        per_member_limit integer NOT NULL DEFAULT 1 CHECK (per_member_limit >= 1),
        starts_at timestamptz,
        ends_at timestamptz NOT NULL,
        eligibility jsonb NOT NULL,
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'funded', 'scheduled', 'active', 'paused', 'ended')),
        review_status text NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'approved', 'rejected')),
        review_reason text,
        funding_required_cents bigint NOT NULL CHECK (funding_required_cents >= 0),
        claimed_units integer NOT NULL DEFAULT 0 CHECK (claimed_units >= 0),
        claims_frozen boolean NOT NULL DEFAULT false,
        launched_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT campaigns_never_oversold CHECK (claimed_units <= total_units),
        CHECK (starts_at IS NULL OR ends_at > starts_at)
      );
      CREATE INDEX campaigns_brand_idx ON campaigns (brand_id, created_at DESC, id);
      CREATE INDEX campaigns_live_idx ON campaigns (status) WHERE status IN ('active', 'paused', 'scheduled');

      CREATE TABLE campaign_codes (
        id bigserial PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        code text NOT NULL CHECK (length(code) BETWEEN 1 AND 200),
        claim_id uuid UNIQUE,
        assigned_at timestamptz,
        UNIQUE (campaign_id, code)
      );
      CREATE INDEX campaign_codes_free_idx ON campaign_codes (campaign_id, id) WHERE claim_id IS NULL;

      CREATE TABLE inventory_adjustments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        admin_id uuid NOT NULL REFERENCES users(id),
        delta integer NOT NULL CHECK (delta <> 0),
        reason text NOT NULL,
        total_units_before integer NOT NULL,
        total_units_after integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX inventory_adjustments_campaign_idx ON inventory_adjustments (campaign_id, created_at, id);

      CREATE TABLE claims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        member_id uuid NOT NULL REFERENCES users(id),
        idempotency_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fulfilled', 'failed', 'cancelled')),
        shipping_address jsonb,
        country char(2),
        fulfillment jsonb NOT NULL DEFAULT '{}',
        failure_reason text,
        disclosure_accepted_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        fulfilled_at timestamptz,
        UNIQUE (member_id, idempotency_key)
      );
      CREATE INDEX claims_campaign_idx ON claims (campaign_id, status);
      CREATE INDEX claims_member_idx ON claims (member_id, created_at DESC, id);
      CREATE INDEX claims_status_idx ON claims (status, created_at, id);

      CREATE TABLE offers (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        member_id uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, member_id)
      );
      CREATE INDEX offers_member_idx ON offers (member_id, campaign_id);

      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        member_id uuid NOT NULL REFERENCES users(id),
        kind text NOT NULL,
        title text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notifications_member_idx ON notifications (member_id, created_at DESC, id);

      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        run_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE outbox, notifications, offers, claims, inventory_adjustments, campaign_codes,
        campaigns, member_profiles, users, brands;
    `);
  }
}
