import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { ProfileConfirmationController } from './profile-confirmation.controller';
import { ProfileController } from './profile.controller';
import { ProfilePhotoService } from './profile.service';

@Module({
  imports: [DbModule],
  controllers: [ProfileController, ProfileConfirmationController],
  providers: [ProfilePhotoService],
})
export class ProfileModule {}
