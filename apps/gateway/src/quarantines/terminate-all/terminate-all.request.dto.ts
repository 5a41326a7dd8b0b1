import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** `POST /quarantines/terminate-all` (gateway-local: the contract gives it no body; `resolution` is optional). */
export class TerminateAllRequestDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000)
  resolution?: string;
}
