import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matching and the audience preview filter a million scored members at once. Joining
 * member_profiles for every row made a preview cost seconds; a copy of the three profile
 * fields on each score row makes it one table scan. Triggers keep the copy exact:
 * a saved profile updates its score rows, and a new score row reads its profile.
 * FOR SHARE serialises the two, so a concurrent profile change is never lost.
 */
export class MemberScoresProfileCopy1764115400001 implements MigrationInterface {
  name = 'MemberScoresProfileCopy1764115400001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE member_scores
        ADD COLUMN opted_in boolean NOT NULL DEFAULT false,
        ADD COLUMN country char(2),
        ADD COLUMN birth_date date;

      UPDATE member_scores s SET opted_in = p.opted_in, country = p.country, birth_date = p.birth_date
      FROM member_profiles p WHERE p.member_id = s.member_id;

      CREATE FUNCTION member_scores_copy_profile() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE profile member_profiles%ROWTYPE;
      BEGIN
        SELECT * INTO profile FROM member_profiles WHERE member_id = NEW.member_id FOR SHARE;
        IF FOUND THEN
          NEW.opted_in := profile.opted_in;
          NEW.country := profile.country;
          NEW.birth_date := profile.birth_date;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER member_scores_copy_profile BEFORE INSERT ON member_scores
        FOR EACH ROW EXECUTE FUNCTION member_scores_copy_profile();

      CREATE FUNCTION member_profiles_push_to_scores() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE member_scores SET opted_in = NEW.opted_in, country = NEW.country, birth_date = NEW.birth_date
        WHERE member_id = NEW.member_id
          AND (opted_in, country, birth_date) IS DISTINCT FROM (NEW.opted_in, NEW.country, NEW.birth_date);
        RETURN NULL;
      END $$;
      CREATE TRIGGER member_profiles_push_to_scores AFTER INSERT OR UPDATE ON member_profiles
        FOR EACH ROW EXECUTE FUNCTION member_profiles_push_to_scores();

      CREATE FUNCTION member_profiles_clear_scores() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE member_scores SET opted_in = false, country = NULL, birth_date = NULL WHERE member_id = OLD.member_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER member_profiles_clear_scores AFTER DELETE ON member_profiles
        FOR EACH ROW EXECUTE FUNCTION member_profiles_clear_scores();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER member_profiles_clear_scores ON member_profiles;
      DROP TRIGGER member_profiles_push_to_scores ON member_profiles;
      DROP TRIGGER member_scores_copy_profile ON member_scores;
      DROP FUNCTION member_profiles_clear_scores(), member_profiles_push_to_scores(), member_scores_copy_profile();
      ALTER TABLE member_scores DROP COLUMN opted_in, DROP COLUMN country, DROP COLUMN birth_date;
    `);
  }
}
