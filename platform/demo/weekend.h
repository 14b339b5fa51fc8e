// The weekend's field work, played on each phone while it is offline, and what the
// demo expects to find on the server afterwards.
#pragma once

#include <map>
#include <string>

#include "demo_world.h"
#include "office_setup.h"

namespace fieldsync::demo {

struct Expected {
  int64_t payments = 0;        // payments recorded on the phones
  int64_t payments_total = 0;  // minor units, of payments that were not voided
  std::string contested_household;  // its phone number edited by a collector and the office
  std::string shared_finding;       // advanced on one phone, edited on another
  std::map<std::string, std::string> photos;  // attachment id -> sha256 of the photo taken
  std::string fire_door_photo;                // sha256 of the fire hazard's photo
};

// Morning: every phone pulls its buckets while still in the office.
Status morning_sync(DemoWorld& world);
// The weekend itself, every phone offline; prints what each one records.
Result<Expected> play_weekend(DemoWorld& world, const EstateData& data);
// Evening: everyone syncs; one phone loses its connection in the middle and retries.
Status evening_sync(DemoWorld& world);

}  // namespace fieldsync::demo
