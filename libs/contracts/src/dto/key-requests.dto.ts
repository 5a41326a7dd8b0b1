import { IsIn, IsString, Matches } from 'class-validator';
import { ROLES } from '../roles';
import type { Role } from '../roles';

/** `POST /keys` */
export class CreateKeyRequestDto {
  @IsString() @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'name must be 1-64 characters of A-Z a-z 0-9 _ . @ -' })
  name!: string;

  @IsIn(ROLES)
  role!: Role;
}
