#include "fieldsync/hlc.h"

#include <gtest/gtest.h>

namespace fieldsync {
namespace {

TEST(Stamp, EncodingRoundTripsAndSortsLikeStamps) {
  Stamp a{1795856400000LL, 0, "node1"};
  Stamp b{1795856400000LL, 1, "node1"};
  Stamp c{1795856400001LL, 0, "node0"};
  Stamp d{1795856400001LL, 0, "node2"};
  for (const Stamp& s : {a, b, c, d}) {
    auto decoded = Stamp::decode(s.encode());
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  EXPECT_LT(a.encode(), b.encode());
  EXPECT_LT(b.encode(), c.encode());
  EXPECT_LT(c.encode(), d.encode());
}

TEST(Stamp, DecodeRejectsGarbage) {
  EXPECT_FALSE(Stamp::decode("").ok());
  EXPECT_FALSE(Stamp::decode("not a stamp at all, no").ok());
  EXPECT_FALSE(Stamp::decode("0193a6f27c1e.0000000G.node").ok());
  EXPECT_FALSE(Stamp::decode("0193a6f27c1e.00000000.").ok());
}

TEST(HybridClock, TicksStrictlyIncreaseWhileTheWallClockStandsStill) {
  ManualClock wall(1795856400000LL);
  HybridClock hlc(wall, "n1");
  Stamp previous = hlc.tick();
  for (int i = 0; i < 100; ++i) {
    Stamp next = hlc.tick();
    EXPECT_LT(previous, next);
    previous = next;
  }
  EXPECT_EQ(previous.wall_ms, 1795856400000LL);
  EXPECT_EQ(previous.counter, 100u);
}

TEST(HybridClock, NeverGoesBackwardsWhenTheWallClockDoes) {
  ManualClock wall(1795856400000LL);
  HybridClock hlc(wall, "n1");
  Stamp before = hlc.tick();
  wall.set(1795856400000LL - 3600 * 1000);  // the phone's clock was set back an hour
  Stamp after = hlc.tick();
  EXPECT_LT(before, after);
  EXPECT_EQ(after.wall_ms, before.wall_ms);
}

TEST(HybridClock, OrdersAfterObservedRemoteStamps) {
  ManualClock wall(1795856400000LL);
  HybridClock hlc(wall, "n1");
  Stamp remote{1795856400000LL + 60000, 7, "n2"};
  hlc.observe(remote);
  Stamp next = hlc.tick();
  EXPECT_LT(remote, next);
  EXPECT_EQ(next.node, "n1");
}

TEST(HybridClock, ASpentCounterMovesToTheNextMillisecondInsteadOfWrapping) {
  ManualClock wall(1795856400000LL);
  HybridClock clock(wall, "srv");
  const Stamp hostile{1795856400000LL + 60000, 0xffffffffu, "phone"};
  clock.observe(hostile);
  const Stamp next = clock.tick();
  EXPECT_GT(next, hostile);
  EXPECT_EQ(next.wall_ms, hostile.wall_ms + 1);
  EXPECT_EQ(next.counter, 0u);
  EXPECT_GT(clock.tick(), next);
}

TEST(HybridClock, ResumesFromAPersistedStamp) {
  ManualClock wall(1795856400000LL);
  Stamp persisted{1795856400000LL + 5000, 3, "n1"};
  HybridClock hlc(wall, "n1", persisted);
  EXPECT_LT(persisted, hlc.tick());
}

}  // namespace
}  // namespace fieldsync
