// Thousands of random schedules of two group members over the service's protocol code: partitions move
// between members (cleanly, or while the old owner goes on as a zombie until fenced), calls fail,
// acknowledgements are lost, processes crash. Each schedule must end with results, lake and topics
// equal to an uninterrupted run's. A failure names its seed: SCHEDULE_SEED=<seed> replays it alone.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>

#include "common/log.h"
#include "protocol/testing/test_process.h"

namespace clickstream {
namespace {

constexpr int32_t kPartitions = 3;
constexpr int kEvents = 20;
constexpr int kSchedules = 2000;
constexpr int kRandomRounds = 60;
constexpr int kMaxCalmRounds = 500;

class Schedule {
 public:
  Schedule(uint64_t seed, const TestInput* input) : rng_(seed), input_(input) {
    for (int32_t p = 0; p < kPartitions; ++p) owner_[p] = static_cast<int>(Draw(2));
    for (int m = 0; m < 2; ++m) Start(m);
  }

  // Runs the schedule; the world it leaves.
  const DurableWorld& Run() {
    for (int round = 0; round < kRandomRounds; ++round) {
      switch (Draw(10)) {
        case 0:
          Rebalance();
          break;
        case 1:
          faults_.FailNext();
          break;
        case 2:
          faults_.LoseNextAck();
          break;
        case 3:
          faults_.CrashAfter(faults_.steps() + static_cast<int64_t>(Draw(6)));
          break;
        default:
          break;
      }
      Work(static_cast<int>(Draw(2)));
    }
    // Calm: the group settles (zombies lose their partitions), no more faults, until every partition is
    // processed to its end.
    faults_.Restart();
    for (int m = 0; m < 2; ++m) {
      for (const Partition p : members_[m]->assigned()) {
        if (owner_[p.id()] != m) members_[m]->Revoke(p, /*lost=*/true);
      }
    }
    for (int round = 0; round < kMaxCalmRounds && !(members_[0]->Done() && members_[1]->Done()); ++round) {
      Work(round % 2);
    }
    // A last restart claims every partition again, which deletes hidden files zombies left.
    for (int m = 0; m < 2; ++m) Start(m);
    for (int round = 0; round < kMaxCalmRounds && !(members_[0]->Done() && members_[1]->Done()); ++round) {
      Work(round % 2);
    }
    return world_;
  }

 private:
  uint64_t Draw(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  // A new process of member `m`, assigned its partitions.
  void Start(int m) {
    members_[m].reset();  // its commit worker stops before the next process opens the stores
    members_[m] = std::make_unique<TestProcess>(&world_, &faults_, input_, "m" + std::to_string(m),
                                                2 + static_cast<int>(Draw(4)));
    for (const auto& [p, owner] : owner_) {
      if (owner == m) members_[m]->Assign(Partition(p));
    }
  }

  // Member `m` reads, recovers and commits; a crash restarts both members, a failed commit the one.
  void Work(int m) {
    members_[m]->RecoverBroken();
    members_[m]->Handle(1 + static_cast<int>(Draw(4)));
    const Status st = members_[m]->Commit();
    if (faults_.crashed()) {
      faults_.Restart();
      for (int i = 0; i < 2; ++i) Start(i);
    } else if (!st.ok()) {
      Start(m);
    }
  }

  // A partition moves to the other member, which claims it; the old owner gives it up after a last
  // commit, or (a zombie that has not noticed yet) keeps processing it until fenced or the group settles.
  void Rebalance() {
    const int32_t p = static_cast<int32_t>(Draw(kPartitions));
    const int from = owner_[p], to = 1 - from;
    const bool zombie = Draw(3) == 0;
    if (!zombie) {
      if (!members_[from]->Commit().ok() && !faults_.crashed()) Start(from);
      members_[from]->Revoke(Partition(p));
    }
    owner_[p] = to;
    members_[to]->Assign(Partition(p));
  }

  std::mt19937_64 rng_;
  const TestInput* input_;
  DurableWorld world_;
  FaultInjector faults_;
  std::map<int32_t, int> owner_;  // the group's assignment
  std::unique_ptr<TestProcess> members_[2];
};

TEST(ScheduleTest, RandomSchedulesEndLikeAnUninterruptedRun) {
  log::SetLevel(log::Level::kError);  // thousands of injected failures are retried and logged as warnings
  const TestInput input = MakeTestInput(kPartitions, kEvents);
  DurableWorld reference;
  {
    FaultInjector no_faults;
    TestProcess process(&reference, &no_faults, &input, "r");
    for (int32_t p = 0; p < kPartitions; ++p) process.Assign(Partition(p));
    while (!process.Done()) {
      process.Handle(3);
      ASSERT_TRUE(process.Commit().ok());
    }
  }
  uint64_t first = 1, count = kSchedules;
  if (const char* seed = std::getenv("SCHEDULE_SEED")) {
    first = std::strtoull(seed, nullptr, 10);
    count = 1;
  }
  for (uint64_t seed = first; seed < first + count; ++seed) {
    Schedule schedule(seed, &input);
    const DurableWorld& world = schedule.Run();
    std::string difference;
    ASSERT_TRUE(SameOutput(world, reference, &difference)) << difference << "; seed " << seed;
  }
}

}  // namespace
}  // namespace clickstream
