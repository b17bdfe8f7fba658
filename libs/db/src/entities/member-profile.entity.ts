import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The member attributes matching reads; one row per member who saved a profile. */
@Entity('member_profiles')
export class MemberProfile {
  @PrimaryColumn('uuid') memberId: string;
  @Column({ type: 'char', length: 2, nullable: true }) country: string | null;
  @Column({ type: 'date', nullable: true }) birthDate: string | null;
  @Column({ type: 'boolean', default: false }) optedIn: boolean;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
