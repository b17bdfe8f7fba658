import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A campaign offered to a member; never taken back when the member's score later drops (withdrawn when their profile no longer meets the campaign's profile rules). */
@Entity('offers')
export class Offer {
  @PrimaryColumn('uuid') campaignId: string;
  @PrimaryColumn('uuid') memberId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
