import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A campaign offered to a member; never taken back when the member's score later drops. */
@Entity('offers')
export class Offer {
  @PrimaryColumn('uuid') campaignId: string;
  @PrimaryColumn('uuid') memberId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
