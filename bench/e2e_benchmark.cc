// End-to-end benchmark of `clickstream run` against the raw Kafka limit, measured in one run on the
// local broker and server (`make bench`):
//   1. preload a fresh 4-partition topic with N producer-like events (100k users, 2% late, 1% invalid);
//   2. raw limit: a plain librdkafka consumer reads all N and does nothing else; copy limit: a consumer
//      and one transactional producer per partition copy all N to a fresh topic, each commit carrying the
//      consumer offsets, spaced like the pipeline's commits while it drains (no engine, PostgreSQL, lake):
//      the limit is its steady state, from the moment every partition has committed once; the start-up
//      before it, the longest time between two commits and the CPU it used are printed beside it;
//   3. the pipeline, all sinks on, drains the same N from a fresh group and fresh tables: events/s from
//      its start to the moment PostgreSQL holds the last offset; then again with 2 .. --max-threads
//      consumer threads (`--threads`), each from a fresh group: the scaling table (events/s, the
//      pipeline's CPU, how busy the machine was, the share of the run in PostgreSQL and Kafka commits);
//   4. latency floors: the copy of step 2 on records sent at the latency run's rate, committing as the
//      pipeline does when it keeps up, with a producer per partition and with one producer for all;
//      p50/p99 of send -> committed: what Kafka transactions alone take on this machine;
//   5. latency: a producer sends at a fixed rate into another fresh topic while the pipeline runs; an
//      event is visible when PostgreSQL's committed offset of its partition passes it (polled every
//      few ms); p50/p99/max of send -> visible, and the pipeline's peak RSS.
//      Every measured delay goes to <work-dir>/latency.csv.
// With --input-format avro (and --schema-registry-url) the events are Avro as `clickstream produce
// --format avro` writes them, and the pipeline reads Avro: the same measures for the other input format.
// Prints a table and, as the last line, one JSON object for comparing runs.
#include <fcntl.h>
#include <httplib.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/wall_clock.h"
#include "format/event_avro.h"
#include "format/event_json.h"
#include "kafka/client_config.h"
#include "kafka/topics.h"
#include "kafka/transactional_producer.h"
#include "postgres/connection.h"
#include "producer/traffic.h"
#include "registry/schema_registry.h"
#include "service/pipeline_options.h"

namespace clickstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string bootstrap_servers = "127.0.0.1:19092";
  pg::ConnectionOptions db;
  std::string bench_db = "clickstream_bench";
  std::string binary = "build/clickstream";
  std::string schema = "sql/init-db.sql";
  std::string work_dir = "build/bench";
  int64_t events = 2'000'000;
  int users = 100'000;
  int latency_rate = 10'000;
  int latency_seconds = 60;
  int floor_seconds = 30;  // the latency floor's measured period; 0 skips it
  int partitions = 4;
  int commit_interval_ms = PipelineOptions().commit_interval_ms;
  int max_result_delay_ms = PipelineOptions().max_result_delay_ms;
  int warmup_seconds = 5;             // at least; then until the commits settled (kSettledFor)
  int max_warmup_seconds = 120;       // measured from there even if the commits have not settled
  int max_threads = 2;                // the scaling table: one throughput run per thread count, 1 to this
  std::string input_format = "json";  // or "avro"
  std::string schema_registry_url;    // Avro: where the producer registers its schema
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A gap between successive commits seen in PostgreSQL longer than this is a slow commit.
constexpr auto kSlowCommit = std::chrono::milliseconds(250);
// The latency run is measured once this long passed without a commit over kSlowCommit and without
// PostgreSQL falling behind the input by more than that: a broker started a moment ago compiles its hot
// paths for 15-25 s (slow commits every second, p99 of seconds), and the backlog they left takes a while.
constexpr auto kSettledFor = std::chrono::seconds(5);

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "bench: %s\n", message.c_str());
  std::exit(1);
}

void Check(const Status& st) {
  if (!st.ok()) Die(st.message());
}

// Records each delivered record's partition/offset with the time it was handed to the producer.
class SendTimes : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() != RdKafka::ERR_NO_ERROR || m.msg_opaque() == nullptr) return;
    const auto sent = Clock::time_point(Clock::duration(reinterpret_cast<intptr_t>(m.msg_opaque())));
    MutexLock lock(mu_);
    by_partition_[m.partition()].emplace_back(m.offset(), sent);
  }
  std::map<int32_t, std::vector<std::pair<int64_t, Clock::time_point>>> Take() {
    MutexLock lock(mu_);
    return std::move(by_partition_);
  }

 private:
  Mutex mu_;
  std::map<int32_t, std::vector<std::pair<int64_t, Clock::time_point>>> by_partition_ GUARDED_BY(mu_);
};

std::unique_ptr<RdKafka::Producer> MakeProducer(const Flags& f, RdKafka::DeliveryReportCb* dr) {
  auto conf = kafka::MakeConf({{"bootstrap.servers", f.bootstrap_servers},
                               {"linger.ms", "2"},
                               {"compression.type", "lz4"},
                               {"queue.buffering.max.messages", "1000000"},
                               {"log_level", "0"}});
  Check(conf.status());
  std::string err;
  if (dr != nullptr) (*conf)->set("dr_cb", dr, err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf->get(), err));
  if (!p) Die(err);
  return p;
}

// Writes events as JSON, or as Avro with the schema registered for `topic`.
class Encoder {
 public:
  Encoder(const Flags& f, const std::string& topic) {
    if (f.input_format != "avro") return;
    SchemaRegistryOptions options;
    options.url = f.schema_registry_url;
    auto registry = SchemaRegistry::Open(options);
    Check(registry.status());
    const Result<uint32_t> id = (*registry)->Register(topic + "-value", kEventAvroSchema);
    Check(id.status());
    auto writer = EventAvroWriter::Create(*id);
    Check(writer.status());
    avro_ = std::move(*writer);
  }
  void Append(const Event& e, std::string* out) {
    if (avro_) {
      avro_->Append(e, out);
    } else {
      AppendEventJson(e, out);
    }
  }

 private:
  std::unique_ptr<EventAvroWriter> avro_;
};

// What makes the benchmark's invalid records invalid.
constexpr std::string_view kInvalidEventTime = R"("event_time":"not a time")";

// Producer-like traffic with 1% invalid records: `n` events at `rate` per second (0: as fast as it can),
// or fewer once `stop` is set; returns how many it sent.
int64_t Produce(const Flags& f, const std::string& topic, int64_t n, int rate, RdKafka::Producer* p,
                const std::atomic<bool>* stop = nullptr) {
  Encoder encoder(f, topic);
  TrafficOptions options;
  options.users = f.users;
  TrafficGenerator gen(options);
  std::string value;
  const auto start = Clock::now();
  int64_t i = 0;
  for (; i < n && (stop == nullptr || !stop->load()); ++i) {
    if (rate > 0) {
      const auto due = start + std::chrono::microseconds(i * 1'000'000 / rate);
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    bool late = false;
    const Event& e = gen.Next(WallClockNow(), &late);
    value.clear();
    if (i % 100 == 99) {
      value = "{" + std::string(kInvalidEventTime) + R"(,"user_id":")" + e.user_id +
              R"(","page_url":"x","event_type":"click"})";
    } else {
      encoder.Append(e, &value);
    }
    void* opaque = reinterpret_cast<void*>(static_cast<intptr_t>(Clock::now().time_since_epoch().count()));
    while (p->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, value.data(),
                      value.size(), e.user_id.data(), e.user_id.size(), 0,
                      opaque) == RdKafka::ERR__QUEUE_FULL) {
      p->poll(5);
    }
    p->poll(0);
  }
  while (p->outq_len() > 0) p->flush(1000);
  return i;
}

// A consumer of `topic` from its beginning in group `group`, with `extra` properties.
std::unique_ptr<RdKafka::KafkaConsumer> Subscribe(const Flags& f, const std::string& topic,
                                                  const std::string& group, kafka::ConfigPairs extra = {}) {
  extra.insert(extra.begin(), {{"bootstrap.servers", f.bootstrap_servers},
                               {"group.id", group},
                               {"enable.auto.commit", "false"},
                               {"auto.offset.reset", "earliest"},
                               {"log_level", "0"}});
  auto conf = kafka::MakeConf(extra);
  Check(conf.status());
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf->get(), err));
  if (!c) Die(err);
  c->subscribe({topic});
  return c;
}

// The pipeline's consumer settings (src/service/pipeline.cc), for the copies that stand for it.
kafka::ConfigPairs PipelineConsumerSettings() {
  kafka::ConfigPairs pairs = {{"partition.assignment.strategy", "cooperative-sticky"},
                              {"isolation.level", "read_committed"},
                              {"fetch.wait.max.ms", "10"}};
  const kafka::ConfigPairs read_ahead = kafka::ConsumerReadAhead();
  pairs.insert(pairs.end(), read_ahead.begin(), read_ahead.end());
  return pairs;
}

// Reads every record of `topic` with a plain consumer; returns events/s.
double RawConsume(const Flags& f, const std::string& topic, int64_t n) {
  // librdkafka 2.x pauses fetching for fetch.queue.backoff.ms (1 s by default) whenever it finds the
  // consumer's queue full, and a consumer that empties it faster than that waits: the pipeline's 10 ms.
  std::unique_ptr<RdKafka::KafkaConsumer> c =
      Subscribe(f, topic, "bench-raw-" + topic, {{"fetch.queue.backoff.ms", "10"}});
  int64_t read = 0;
  size_t bytes = 0;
  Clock::time_point first;
  while (read < n) {
    std::unique_ptr<RdKafka::Message> m(c->consume(1000));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    if (read == 0) first = Clock::now();
    bytes += m->len();
    ++read;
  }
  const double secs = Seconds(Clock::now() - first);
  c->close();
  return n / secs;
}

// When a latency run's measured period starts and ends. The warm-up (new transactional producers, cold
// caches, a broker that just started) is sent but not measured: at least --warmup-seconds, then until
// kSettledFor passed with no gap between commits over kSlowCommit and the committed input never more
// than kSlowCommit behind the producer (at most --max-warmup-seconds). Then `seconds` are measured.
class MeasuredPeriod {
 public:
  MeasuredPeriod(const Flags& f, int seconds)
      : rate_(f.latency_rate),
        min_warmup_(f.warmup_seconds),
        max_warmup_(f.max_warmup_seconds),
        length_(seconds),
        started_(Clock::now()),
        last_commit_(started_),
        unsettled_(started_) {}

  // Called at every look at the progress: `committed` records in all (the producer sends at the rate
  // from the start on), `moved` if a commit was seen since the previous call.
  void Observe(Clock::time_point now, int64_t committed, bool moved) {
    if (moved) {
      if (now - last_commit_ > kSlowCommit) unsettled_ = now;
      last_commit_ = now;
    }
    const double behind_s = Seconds(now - started_) - static_cast<double>(committed) / rate_;
    if (behind_s > Seconds(kSlowCommit)) unsettled_ = now;
    if (!since_ && now - started_ >= min_warmup_ &&
        ((now - unsettled_ >= kSettledFor && now - last_commit_ <= kSlowCommit) ||
         now - started_ >= max_warmup_)) {
      since_ = now;
    }
  }
  bool over(Clock::time_point now) const { return since_ && now - *since_ >= length_; }
  // These three REQUIRE that the period started (over() was true once).
  Clock::time_point since() const { return *since_; }
  double warmup_seconds() const { return Seconds(*since_ - started_); }
  bool settled() const { return *since_ - started_ < max_warmup_; }

 private:
  double rate_;
  std::chrono::seconds min_warmup_, max_warmup_, length_;
  Clock::time_point started_, last_commit_, unsettled_;
  std::optional<Clock::time_point> since_;
};

// Copies every record of `topic` to `topic`-copy transactionally, as the pipeline's Kafka side does
// without its work: the pipeline consumer's settings, one transactional producer per partition (started
// at its first record, as the pipeline's are at a claim), every commit carrying the consumer offsets,
// the partitions' commits concurrent. With `one_producer`, one transactional producer for all partitions
// instead, so that a commit is one transaction (what a producer per consuming thread would do).
class TransactionalCopy {
 public:
  TransactionalCopy(const Flags& f, const std::string& topic, bool one_producer = false)
      : topic_(topic),
        copy_topic_(topic + "-copy"),
        dlq_topic_(topic + "-copy-dlq"),
        bootstrap_servers_(f.bootstrap_servers),
        group_("bench-copy-" + topic),
        one_producer_(one_producer),
        consumer_(Subscribe(f, topic, group_, PipelineConsumerSettings())) {}
  ~TransactionalCopy() { consumer_->close(); }

  // Creates the topics the copy of `topic` writes to. REQUIRES: called before a TransactionalCopy of it.
  static void CreateTopics(const Flags& f, const std::string& topic) {
    Check(kafka::EnsureTopics(f.bootstrap_servers,
                              {{topic + "-copy", f.partitions}, {topic + "-copy-dlq", 1}}, 30000));
  }

  // Copies the next record read within `timeout_ms`, if any.
  void Read(int timeout_ms) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(timeout_ms));
    if (m->err() != RdKafka::ERR_NO_ERROR) return;
    Copier& copier = copiers_[m->partition()];
    if (!copier.started) {
      copier.started = true;
      copier.committed = Offset(m->offset());
    }
    std::unique_ptr<kafka::TransactionalProducer>& producer = one_producer_ ? shared_ : copier.producer;
    if (!producer) producer = StartProducer(one_producer_ ? "all" : std::to_string(m->partition()));
    // The invalid records go to a dead-letter topic, as the pipeline sends them: most of its transactions
    // write to two topics.
    const bool invalid =
        std::string_view(static_cast<const char*>(m->payload()), m->len()).find(kInvalidEventTime) !=
        std::string_view::npos;
    Check(producer->Forward(invalid ? dlq_topic_ : copy_topic_, kafka::ViewOf(*m), {}));
    copier.next = Offset(m->offset() + 1);
    ++read_;
  }

  // Commits every partition read since its last commit; returns once all did, with each committed
  // partition's next offset.
  std::map<int32_t, int64_t> Commit() {
    std::vector<std::pair<Partition, Offset>> due;
    for (const auto& [p, copier] : copiers_) {
      if (copier.next > copier.committed) due.emplace_back(Partition(p), copier.next);
    }
    if (one_producer_ && !due.empty()) {
      Check(shared_->CommitWithOffsets(topic_, due, group_, 30000));
    } else {
      std::vector<std::future<Status>> commits;
      for (const auto& [p, next] : due) {
        kafka::TransactionalProducer* producer = copiers_.at(p.id()).producer.get();
        commits.push_back(std::async(std::launch::async, [&, producer, p = p, next = next] {
          return producer->CommitWithOffset(topic_, p, next, group_, 30000);
        }));
      }
      for (auto& commit : commits) Check(commit.get());
    }
    std::map<int32_t, int64_t> done;
    for (const auto& [p, next] : due) {
      Copier& copier = copiers_[p.id()];
      committed_ += next.value() - copier.committed.value();
      copier.committed = next;
      done[p.id()] = next.value();
    }
    return done;
  }

  int64_t read() const { return read_; }
  int64_t committed() const { return committed_; }

 private:
  struct Copier {
    bool started = false;
    std::unique_ptr<kafka::TransactionalProducer> producer;  // unless one_producer_
    Offset next, committed;
  };

  std::unique_ptr<kafka::TransactionalProducer> StartProducer(const std::string& suffix) {
    // TransactionalProducer's batching settings, as the pipeline's producers have them.
    auto producer =
        kafka::TransactionalProducer::Start({{"bootstrap.servers", bootstrap_servers_}, {"log_level", "0"}},
                                            "bench-copy-" + topic_ + "-" + suffix, 30000, nullptr);
    Check(producer.status());
    return std::move(*producer);
  }

  std::string topic_, copy_topic_, dlq_topic_, bootstrap_servers_, group_;
  bool one_producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<int32_t, Copier> copiers_;
  std::unique_ptr<kafka::TransactionalProducer> shared_;  // with one_producer_
  int64_t read_ = 0, committed_ = 0;
};

// Per partition, the progress seen and when, in order: a record is visible from the first entry past
// its offset.
using Visible = std::map<int32_t, std::vector<std::pair<int64_t, Clock::time_point>>>;

// Send -> visible of every record sent from `from` on that became visible, in ms; each also written to
// `series` (partition, offset, seconds after `from`, delay) if given.
std::vector<double> Delays(SendTimes& send_times, Visible& visible, Clock::time_point from,
                           std::ostream* series) {
  std::vector<double> delays_ms;
  for (auto& [p, sends] : send_times.Take()) {
    const auto& seen = visible[p];
    size_t j = 0;
    std::sort(sends.begin(), sends.end());
    for (const auto& [offset, sent] : sends) {
      while (j < seen.size() && seen[j].first <= offset) ++j;
      if (j == seen.size()) break;
      if (sent < from) continue;
      delays_ms.push_back(std::chrono::duration<double, std::milli>(seen[j].second - sent).count());
      if (series) {
        *series << p << ',' << offset << ',' << Seconds(sent - from) << ',' << delays_ms.back() << '\n';
      }
    }
  }
  return delays_ms;
}

// The latency floor: TransactionalCopy of records sent at the latency run's rate, a commit after each
// --commit-interval-ms of reading since the previous one returned, as the pipeline commits when it keeps
// up. A record is visible once its partition's commit returned (the pipeline then still has its
// PostgreSQL COMMIT to do). Measured for --floor-seconds after --warmup-seconds.
std::vector<double> CopyLatency(const Flags& f, const std::string& topic, bool one_producer) {
  TransactionalCopy::CreateTopics(f, topic);
  TransactionalCopy copy(f, topic, one_producer);
  SendTimes send_times;
  auto producer = MakeProducer(f, &send_times);
  Visible visible;
  MeasuredPeriod period(f, f.floor_seconds);
  const auto interval = std::chrono::milliseconds(f.commit_interval_ms);
  std::atomic<bool> enough{false};
  std::atomic<int64_t> sent{-1};  // set once the producer stopped
  std::thread copier([&] {
    auto last_commit = Clock::now();
    while (sent.load() < 0 || copy.committed() < sent.load()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(last_commit + interval - Clock::now());
      copy.Read(static_cast<int>(std::clamp<int64_t>(left.count(), 0, 10)));
      bool moved = false;
      if (Clock::now() - last_commit >= interval) {
        const std::map<int32_t, int64_t> committed = copy.Commit();
        last_commit = Clock::now();
        for (const auto& [p, next] : committed) visible[p].emplace_back(next, last_commit);
        moved = !committed.empty();
      }
      period.Observe(Clock::now(), copy.committed(), moved);
      if (period.over(Clock::now())) enough = true;
    }
  });
  sent = Produce(f, topic, std::numeric_limits<int64_t>::max(), f.latency_rate, producer.get(), &enough);
  copier.join();
  std::printf("latency floor: warm-up %.1f s%s, then %d s measured\n", period.warmup_seconds(),
              period.settled() ? "" : " (commits had not settled: measured anyway)", f.floor_seconds);
  return Delays(send_times, visible, period.since(), nullptr);
}

// A TCP port nobody listens on right now.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// utime + stime, in clock ticks, of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line.
double StatTicks(const std::string& stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return 0;
  std::istringstream fields(stat.substr(close + 2));  // after the command name
  std::string field;
  double utime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) return utime + std::stod(field);
  }
  return 0;
}

// CPU time process `pid` used so far (user + system), in seconds.
double CpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return StatTicks(stat) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU time librdkafka's own threads (named "rdk:...") of process `pid` used so far, in seconds: the
// client's share of CpuSecondsOf(pid).
double KafkaClientCpuSecondsOf(pid_t pid) {
  double ticks = 0;
  std::error_code ec;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;  // the thread just ended
    if (stat.compare(open + 1, 4, "rdk:") != 0) continue;
    ticks += StatTicks(stat);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU time used so far by each running process whose command line (arguments separated by '\0')
// satisfies `matches`, in seconds, by pid.
template <typename Predicate>
std::map<pid_t, double> CpuSecondsOfProcesses(Predicate matches) {
  std::map<pid_t, double> seconds;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (matches(cmdline)) seconds[pid] = CpuSecondsOf(pid);
  }
  return seconds;
}

// The CPU of the services every measured run shares the machine with: the broker, and PostgreSQL's
// server with its backends.
class ServicesCpu {
 public:
  static ServicesCpu Now() {
    const auto is_broker = [](const std::string& cmdline) {
      return cmdline.find(std::string_view("\0kafka.Kafka\0", 13)) != std::string::npos;
    };
    // The server names itself "postgres" and its backends "postgres: user db ..." (argv[0] only: a
    // client's arguments may hold a postgresql:// URL).
    const auto is_postgres = [](const std::string& cmdline) {
      const std::string program = cmdline.substr(0, cmdline.find('\0'));
      return program.starts_with("postgres:") || program == "postgres" || program.ends_with("/postgres");
    };
    return ServicesCpu(CpuSecondsOfProcesses(is_broker), CpuSecondsOfProcesses(is_postgres));
  }

  // CPU seconds used since `before`, by the processes running now (a backend that started in between
  // counts whole; one that ended in between is not counted, so a sum never goes down).
  double BrokerSince(const ServicesCpu& before) const { return Since(broker_, before.broker_); }
  double PostgresSince(const ServicesCpu& before) const { return Since(postgres_, before.postgres_); }

 private:
  ServicesCpu(std::map<pid_t, double> broker, std::map<pid_t, double> postgres)
      : broker_(std::move(broker)), postgres_(std::move(postgres)) {}

  static double Since(const std::map<pid_t, double>& now, const std::map<pid_t, double>& before) {
    double seconds = 0;
    for (const auto& [pid, cpu] : now) {
      const auto it = before.find(pid);
      seconds += it == before.end() ? cpu : std::max(0.0, cpu - it->second);
    }
    return seconds;
  }

  std::map<pid_t, double> broker_, postgres_;  // CPU seconds by pid
};

// Jiffies the whole machine spent busy and in all, since boot (/proc/stat).
std::pair<double, double> MachineJiffies() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  double total = 0, idle = 0, v = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {
    total += v;
    if (i == 3 || i == 4) idle += v;  // idle and iowait
  }
  return {total - idle, total};
}

// The copy limit: TransactionalCopy of the `n` records of `topic`, commits spaced as the pipeline spaces
// them while it drains, measured twice: over the whole run, from the start (the consumer joining its
// group, the producers' transactions set up, as the pipeline's are) until the last record is committed;
// and in its steady state, from the moment every partition has committed once. A limit is what the copy
// does once running; the start-up is reported on its own.
struct CopyRun {
  double eps = 0;                 // n over the whole run
  double startup_s = 0;           // from the start until every partition had committed once
  double steady_eps = 0;          // records committed after start-up, over the time since; see steady
  // False when start-up committed every record (a run too short to have a steady state): steady_eps is
  // then the whole run's rate.
  bool steady = false;
  double longest_stall_s = 0;     // after start-up, the longest time between two commits (none in between)
  double cpu_cores = 0;           // the copy's CPU time (this process) over the run's wall time
  double kafka_client_cores = 0;  // its librdkafka threads' share of that
  double machine_busy = 0;        // share of the machine's CPU busy over the run (broker included), 0-1
  double us_per_event = 0;        // the copy's CPU time per record, in microseconds
  double commit_share = 0;        // share of the run its reading thread spent committing, 0-1
  double steady_cpu_cores = 0;  // cpu_cores after start-up: one busy reading thread shows as ~1 + librdkafka
  double broker_cores = 0;        // the broker's CPU time over the run's wall time
};

CopyRun CopyLimit(const Flags& f, const std::string& topic, int64_t n) {
  TransactionalCopy::CreateTopics(f, topic);
  const double cpu_before = CpuSecondsOf(::getpid());
  const double client_before = KafkaClientCpuSecondsOf(::getpid());
  const ServicesCpu services_before = ServicesCpu::Now();
  const auto machine_before = MachineJiffies();
  const auto start = Clock::now();
  std::optional<Clock::time_point> steady_since;
  int64_t committed_at_steady = 0;
  double cpu_at_steady = 0;
  double commit_seconds = 0;  // the reading thread's time inside Commit()
  std::set<int32_t> committed_once;
  Clock::time_point end;
  CopyRun r;
  {
    TransactionalCopy copy(f, topic);
    const auto spacing = std::chrono::milliseconds(std::max(f.commit_interval_ms, f.max_result_delay_ms));
    auto last_commit = Clock::now();
    auto last_progress = last_commit;  // the end of the last commit that committed something
    while (copy.committed() < n) {
      copy.Read(copy.read() < n ? 10 : 1);
      if (Clock::now() - last_commit >= spacing || copy.read() == n) {
        const auto commit_start = Clock::now();
        const std::map<int32_t, int64_t> done = copy.Commit();
        last_commit = Clock::now();
        commit_seconds += Seconds(last_commit - commit_start);
        if (done.empty()) continue;
        if (steady_since)
          r.longest_stall_s = std::max(r.longest_stall_s, Seconds(last_commit - last_progress));
        last_progress = last_commit;
        for (const auto& [p, next] : done) committed_once.insert(p);
        if (!steady_since && committed_once.size() == static_cast<size_t>(f.partitions)) {
          steady_since = last_commit;
          committed_at_steady = copy.committed();
          cpu_at_steady = CpuSecondsOf(::getpid());
        }
      }
    }
    end = Clock::now();
    const double seconds = Seconds(end - start);
    r.eps = static_cast<double>(n) / seconds;
    r.commit_share = commit_seconds / seconds;
    const double cpu_now = CpuSecondsOf(::getpid());
    const double cpu_seconds = cpu_now - cpu_before;
    if (steady_since) r.steady_cpu_cores = (cpu_now - cpu_at_steady) / Seconds(end - *steady_since);
    r.cpu_cores = cpu_seconds / seconds;
    r.us_per_event = 1e6 * cpu_seconds / static_cast<double>(n);
    r.kafka_client_cores = (KafkaClientCpuSecondsOf(::getpid()) - client_before) / seconds;
    r.broker_cores = ServicesCpu::Now().BrokerSince(services_before) / seconds;
  }
  const auto machine_after = MachineJiffies();
  r.machine_busy =
      (machine_after.first - machine_before.first) / (machine_after.second - machine_before.second);
  if (steady_since) r.startup_s = Seconds(*steady_since - start);
  const double steady_s = steady_since ? Seconds(end - *steady_since) : 0;
  r.steady = committed_at_steady < n && steady_s > 0;
  r.steady_eps = r.steady ? static_cast<double>(n - committed_at_steady) / steady_s : r.eps;
  return r;
}

// `clickstream run` as a child process; `threads` is its --threads. Each thread count has its own
// consumer group, so every run starts from the beginning of the topic.
class Pipeline {
 public:
  Pipeline(const Flags& f, const std::string& topic, const std::string& lake, const std::string& log,
           int threads = 1)
      : http_port_(FreePort()), log_(log) {
    std::vector<std::string> args = {f.binary,
                                     "run",
                                     "--topic",
                                     topic,
                                     "--group-id",
                                     "bench-" + topic + (threads > 1 ? "-t" + std::to_string(threads) : ""),
                                     "--threads",
                                     std::to_string(threads),
                                     "--enriched-topic",
                                     topic + "-enriched",
                                     "--dlq-topic",
                                     topic + "-dlq",
                                     "--lake-dir",
                                     lake,
                                     "--bootstrap-servers",
                                     f.bootstrap_servers,
                                     "--db-host",
                                     f.db.host,
                                     "--db-port",
                                     std::to_string(f.db.port),
                                     "--db-user",
                                     f.db.user,
                                     "--db-name",
                                     f.bench_db,
                                     "--status-interval",
                                     "5",
                                     "--http-port",
                                     std::to_string(http_port_),
                                     "--commit-interval-ms",
                                     std::to_string(f.commit_interval_ms),
                                     "--max-result-delay",
                                     std::to_string(f.max_result_delay_ms),
                                     "--input-format",
                                     f.input_format};
    if (f.input_format == "avro") args.insert(args.end(), {"--schema-registry-url", f.schema_registry_url});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0)
      Die("cannot start " + f.binary);
    posix_spawn_file_actions_destroy(&actions);
  }
  // Peak resident set size so far, in MiB.
  double PeakRssMb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
  }
  // CPU time the process used so far (user + system), in seconds.
  double CpuSeconds() const { return CpuSecondsOf(pid_); }
  // CPU time librdkafka's own threads used so far, in seconds: the client's share of CpuSeconds().
  double KafkaClientCpuSeconds() const { return KafkaClientCpuSecondsOf(pid_); }
  // A counter or gauge from the pipeline's /metrics (0 if absent).
  double Metric(const std::string& name) const {
    httplib::Client client("127.0.0.1", http_port_);
    const auto res = client.Get("/metrics");
    if (!res || res->status != 200) return 0;
    const std::string key = "\n" + name + " ";
    const size_t at = res->body.find(key);
    return at == std::string::npos ? 0 : std::stod(res->body.substr(at + key.size()));
  }
  // Ends the benchmark with the pipeline's last log line if it exited (a flag it refused, a service it
  // could not reach): the loops that wait for its progress would otherwise wait forever.
  void DieIfExited() const {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return;
    std::ifstream in(log_);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    const std::string how = WIFEXITED(status) ? "with exit code " + std::to_string(WEXITSTATUS(status))
                                              : "on signal " + std::to_string(WTERMSIG(status));
    Die("clickstream run ended " + how + ": " + last + " (log: " + log_ + ")");
  }
  void Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

 private:
  int http_port_;
  std::string log_;
  pid_t pid_ = -1;
};

// Sum of committed offsets in PostgreSQL, and each partition's.
std::map<int32_t, int64_t> Progress(pg::Connection& db) {
  std::map<int32_t, int64_t> out;
  auto res = db.Query("SELECT kafka_partition, coalesce(next_offset, 0) FROM partition_progress");
  if (!res.ok()) return out;
  for (int i = 0; i < res->rows(); ++i) {
    out[std::stoi(std::string(res->text(i, 0)))] = std::stoll(std::string(res->text(i, 1)));
  }
  return out;
}

int64_t Total(const std::map<int32_t, int64_t>& m) {
  int64_t t = 0;
  for (const auto& [p, o] : m) t += o;
  return t;
}

pg::Connection OpenBenchDb(const Flags& f) {
  auto admin = pg::Connection::Open(f.db);
  if (!admin.ok()) Die(admin.status().message());
  auto exists = admin->Query("SELECT 1 FROM pg_database WHERE datname = $1", {f.bench_db});
  if (exists.ok() && exists->rows() == 0) Check(admin->Exec("CREATE DATABASE " + f.bench_db));
  pg::ConnectionOptions o = f.db;
  o.dbname = f.bench_db;
  auto db = pg::Connection::Open(o);
  if (!db.ok()) Die(db.status().message());
  std::ifstream in(f.schema);
  std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Check(db->Exec("SET client_min_messages = warning"));
  Check(db->Exec(sql));
  // The server's log names every statement over 250 ms of the pipeline's sessions (as slow commits are
  // reported below). Needs superuser rights; without them it is skipped.
  (void)db->Exec("ALTER DATABASE " + f.bench_db + " SET log_min_duration_statement = 250");
  return std::move(*db);
}

void ResetTables(pg::Connection& db) {
  Check(
      db.Exec("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
              "'public' LOOP EXECUTE format('TRUNCATE %I', t); END LOOP; END $$"));
  // The previous phase's write-ahead log is flushed now rather than by a checkpoint in the middle of the
  // next phase, so phases and runs compare. Needs superuser rights; without them it is skipped.
  (void)db.Exec("CHECKPOINT");
}

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

// What PostgreSQL's backends of the bench database (but `own_pid`, the benchmark's) and its checkpointer
// and WAL writer were doing, sampled every 10 ms from pg_stat_activity: "idle" (the pipeline's
// connection between transactions: it waits on Kafka or computes), "CPU" (active, no wait event), or
// the wait event ("IO:WALSync", "Lock:transactionid"), with the statement's first words.
class WaitSampler {
 public:
  WaitSampler(const Flags& f, int own_pid) {
    pg::ConnectionOptions o = f.db;
    o.dbname = f.bench_db;
    auto db = pg::Connection::Open(o);
    if (!db.ok()) Die(db.status().message());
    thread_ = std::thread([this, db = std::move(*db), own_pid]() mutable {
      while (!stop_.load()) {
        auto res = db.Query(R"sql(
SELECT coalesce(CASE WHEN backend_type <> 'client backend' THEN backend_type || ' ' END, '') ||
       CASE WHEN state = 'idle' THEN 'idle'
            WHEN wait_event IS NULL THEN 'CPU'
            ELSE wait_event_type || ':' || wait_event END ||
       CASE WHEN state = 'active' THEN ' [' || coalesce(substring(query FROM '\S+(?:\s+\S+)?'), '') || ']' ELSE '' END
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND pid <> $1::int AND
      ((datname = current_database() AND backend_type = 'client backend') OR
       (backend_type = 'checkpointer' AND wait_event IS DISTINCT FROM 'CheckpointerMain') OR
       (backend_type = 'walwriter' AND wait_event IS DISTINCT FROM 'WalWriterMain')))sql",
                            {std::to_string(own_pid)});
        if (res.ok()) {
          const auto now = Clock::now();
          MutexLock lock(mu_);
          for (int i = 0; i < res->rows(); ++i) samples_.emplace_back(now, std::string(res->text(i, 0)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  ~WaitSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The most frequent states sampled in [from, to], with their counts: "IO:WALSync [COMMIT] x12, idle x3".
  std::string Between(Clock::time_point from, Clock::time_point to) {
    std::map<std::string, int> counts;
    MutexLock lock(mu_);
    for (const auto& [at, what] : samples_) {
      if (at >= from && at <= to) ++counts[what];
    }
    std::vector<std::pair<int, std::string>> by_count;
    for (const auto& [what, n] : counts) by_count.emplace_back(n, what);
    std::sort(by_count.rbegin(), by_count.rend());
    std::string out;
    for (size_t i = 0; i < by_count.size() && i < 5; ++i) {
      out += (i ? ", " : "") + by_count[i].second + " x" + std::to_string(by_count[i].first);
    }
    return out.empty() ? "nothing sampled" : out;
  }

 private:
  std::atomic<bool> stop_{false};
  Mutex mu_;
  std::vector<std::pair<Clock::time_point, std::string>> samples_ GUARDED_BY(mu_);
  std::thread thread_;
};

// CPU time of every thread on the machine (utime + stime from /proc/*/task/*/stat), sampled every
// 250 ms, and the kernel's CPU pressure (/proc/pressure/cpu: the share of the time some runnable task
// waited for a core). A slow commit spent on busy threads (a client looping, the broker collecting
// garbage, another process) shows here, where PostgreSQL's view of it only says "idle".
class CpuSampler {
 public:
  CpuSampler() : thread_([this] { Run(); }) {}
  ~CpuSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The three threads with the most CPU time in the samples covering [from, to], and the CPU pressure
  // over them: "clickstream/rdk:broker1 1.7 s, java/data-plane-kafk 0.2 s, ...; CPU pressure 98%".
  std::string Between(Clock::time_point from, Clock::time_point to) {
    std::map<std::string, int64_t> ticks;  // by "process/thread" name, threads of one name summed
    int64_t stall_us = 0, covered_us = 0;
    MutexLock lock(mu_);
    for (const Sample& sample : samples_) {
      if (sample.at < from || sample.at - kInterval > to) continue;  // covers (at - kInterval, at]
      stall_us += sample.stall_us;
      covered_us += std::chrono::duration_cast<std::chrono::microseconds>(kInterval).count();
      for (const auto& [name, n] : sample.ticks) ticks[name] += n;
    }
    std::vector<std::pair<int64_t, std::string>> busiest;
    for (const auto& [name, n] : ticks) busiest.emplace_back(n, name);
    std::sort(busiest.rbegin(), busiest.rend());
    const double tick_s = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    std::string out;
    for (size_t i = 0; i < busiest.size() && i < 3; ++i) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s%s %.1f s", i ? ", " : "", busiest[i].second.c_str(),
                    static_cast<double>(busiest[i].first) * tick_s);
      out += buf;
    }
    char buf[64];
    std::snprintf(
        buf, sizeof buf, "; CPU pressure %.0f%%",
        covered_us > 0 ? 100.0 * static_cast<double>(stall_us) / static_cast<double>(covered_us) : 0.0);
    return (out.empty() ? "no thread ran" : out) + buf;
  }

 private:
  static constexpr std::chrono::milliseconds kInterval{250};

  struct Sample {
    Clock::time_point at;
    int64_t stall_us = 0;                  // CPU pressure ("some") since the previous sample
    std::map<std::string, int64_t> ticks;  // CPU ticks since the previous sample, by thread name
  };

  static int64_t PressureTotalUs() {
    std::ifstream in("/proc/pressure/cpu");
    std::string line;
    std::getline(in, line);  // some avg10=... avg60=... avg300=... total=<us>
    const size_t at = line.find("total=");
    return at == std::string::npos ? 0 : std::stoll(line.substr(at + 6));
  }

  // Every thread's name ("process/thread") and CPU ticks, by "pid/tid".
  static std::map<std::string, std::pair<std::string, int64_t>> ReadThreads() {
    std::map<std::string, std::pair<std::string, int64_t>> out;
    std::error_code ec;
    for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string pid = proc.path().filename();
      if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
      std::string process;
      std::getline(std::ifstream(proc.path() / "comm"), process);
      for (const auto& task : std::filesystem::directory_iterator(proc.path() / "task", ec)) {
        std::string stat;
        std::getline(std::ifstream(task.path() / "stat"), stat);
        const size_t open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        std::istringstream fields(stat.substr(close + 2));  // state ppid ... utime (12th) stime (13th)
        std::string field;
        int64_t utime = 0, stime = 0;
        for (int i = 0; i < 13 && fields >> field; ++i) {
          if (i == 11) utime = std::stoll(field);
          if (i == 12) stime = std::stoll(field);
        }
        out[pid + "/" + task.path().filename().string()] = {
            process + "/" + stat.substr(open + 1, close - open - 1), utime + stime};
      }
    }
    return out;
  }

  void Run() {
    auto previous = ReadThreads();
    int64_t previous_stall = PressureTotalUs();
    while (!stop_.load()) {
      std::this_thread::sleep_for(kInterval);
      auto current = ReadThreads();
      const int64_t stall = PressureTotalUs();
      Sample sample{Clock::now(), stall - previous_stall, {}};
      for (const auto& [id, named] : current) {
        const auto before = previous.find(id);
        const int64_t delta = named.second - (before == previous.end() ? 0 : before->second.second);
        if (delta > 0) sample.ticks[named.first] += delta;
      }
      {
        MutexLock lock(mu_);
        samples_.push_back(std::move(sample));
      }
      previous = std::move(current);
      previous_stall = stall;
    }
  }

  std::atomic<bool> stop_{false};
  Mutex mu_;
  std::vector<Sample> samples_ GUARDED_BY(mu_);
  std::thread thread_;  // last: started once the rest is initialized
};

// One pipeline draining the preloaded topic with all sinks on.
struct ThroughputRun {
  int threads = 1;
  double eps = 0, seconds = 0, peak_rss = 0;
  double cpu_cores = 0;     // the pipeline's CPU time over the run's wall time
  double machine_busy = 0;  // share of the machine's CPU busy (broker, server and pipeline), 0-1
  double db_seconds = 0, kafka_seconds = 0, db_rows = 0;  // the pipeline's own counters
  double kafka_client_cores = 0;  // librdkafka's threads' CPU time over the run's wall time
  double us_per_event = 0;        // the pipeline's CPU time (its process only) per event, in microseconds
  double broker_cores = 0, postgres_cores = 0;  // the services' CPU time over the run's wall time
  std::string log;
};

// The lines a growing log file gains, each once and whole.
class LogFollower {
 public:
  explicit LogFollower(const std::string& path) : path_(path) {}
  // Calls on_line for each complete line written since the last call.
  template <typename F>
  void Poll(F&& on_line) {
    if (!in_.is_open()) in_.open(path_);
    if (!in_.is_open()) return;
    in_.clear();
    std::string chunk;
    while (std::getline(in_, chunk)) {
      if (in_.eof()) {  // no newline yet: the rest of the line comes later
        pending_ += chunk;
        break;
      }
      on_line(pending_ + chunk);
      pending_.clear();
    }
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::string pending_;
};

ThroughputRun MeasureThroughput(const Flags& f, pg::Connection& db, const std::string& topic, int threads) {
  ThroughputRun r;
  r.threads = threads;
  const std::string name = "throughput-t" + std::to_string(threads);
  r.log = f.work_dir + "/" + name + ".log";
  ResetTables(db);
  std::filesystem::remove_all(f.work_dir + "/lake-" + name);
  const ServicesCpu services_before = ServicesCpu::Now();
  const auto machine_before = MachineJiffies();
  const auto start = Clock::now();
  Pipeline pipeline(f, topic, f.work_dir + "/lake-" + name, r.log, threads);
  while (Total(Progress(db)) < f.events) {
    pipeline.DieIfExited();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = Seconds(Clock::now() - start);
  const auto machine_after = MachineJiffies();
  r.eps = static_cast<double>(f.events) / r.seconds;
  const double cpu_seconds = pipeline.CpuSeconds();
  r.cpu_cores = cpu_seconds / r.seconds;
  r.us_per_event = 1e6 * cpu_seconds / static_cast<double>(f.events);
  r.kafka_client_cores = pipeline.KafkaClientCpuSeconds() / r.seconds;
  const ServicesCpu services = ServicesCpu::Now();
  r.broker_cores = services.BrokerSince(services_before) / r.seconds;
  r.postgres_cores = services.PostgresSince(services_before) / r.seconds;
  r.machine_busy =
      (machine_after.first - machine_before.first) / (machine_after.second - machine_before.second);
  r.peak_rss = pipeline.PeakRssMb();
  // Where the pipeline's time went, from its own counters.
  r.db_seconds = pipeline.Metric("clickstream_postgres_commit_seconds_total");
  r.kafka_seconds = pipeline.Metric("clickstream_kafka_commit_seconds_total");
  r.db_rows = pipeline.Metric("clickstream_postgres_rows_total");
  pipeline.Stop();
  return r;
}

// A new member's claims: each partition's time from its claim (the pipeline's log line) to its first
// commit visible in PostgreSQL, sampled every 10 ms, while records arrive at --latency-rate (so commits
// follow the reading cadence, not the idle one, and are small): the claim's PostgreSQL work, a new
// transactional producer and its first transaction. The partitions are claimed one after the other in
// one rebalance, so the first one waits for the others' claims too. Returns the median and the slowest,
// in ms.
std::pair<double, double> MeasureClaims(const Flags& f, pg::Connection& db, const std::string& topic) {
  ResetTables(db);
  std::atomic<bool> stop{false};
  std::thread producer([&] { Produce(f, topic, std::numeric_limits<int64_t>::max(), f.latency_rate,
                                     MakeProducer(f, nullptr).get(), &stop); });
  const std::string log_path = f.work_dir + "/claims.log";
  std::filesystem::remove_all(f.work_dir + "/lake-claims");
  Pipeline pipeline(f, topic, f.work_dir + "/lake-claims", log_path, 1);
  LogFollower log(log_path);
  std::map<int32_t, Clock::time_point> claimed;
  std::map<int32_t, double> ms;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (ms.size() < static_cast<size_t>(f.partitions) && Clock::now() < deadline) {
    pipeline.DieIfExited();
    const auto progress = Progress(db);
    const auto now = Clock::now();
    log.Poll([&](const std::string& line) {
      const size_t at = line.find("partition ");
      int32_t id = 0;
      if (at != std::string::npos && line.find(" claimed (fence ", at) != std::string::npos &&
          std::sscanf(line.c_str() + at, "partition %d claimed", &id) == 1) {
        claimed.try_emplace(id, now);
      }
    });
    for (const auto& [id, offset] : progress) {
      const auto claim = claimed.find(id);
      if (offset > 0 && claim != claimed.end()) ms.try_emplace(id, Seconds(now - claim->second) * 1000);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pipeline.Stop();
  stop = true;
  producer.join();
  if (ms.size() < static_cast<size_t>(f.partitions)) Die("claims not committed within 60 s; see " + log_path);
  std::vector<double> sorted;
  for (const auto& [id, v] : ms) sorted.push_back(v);
  std::sort(sorted.begin(), sorted.end());
  return {sorted[sorted.size() / 2], sorted.back()};
}

int Main(const Flags& f) {
  const std::string stamp = std::to_string(::time(nullptr));
  const std::string throughput_topic = "bench-" + stamp;
  const std::string latency_topic = "bench-latency-" + stamp;
  const std::string claim_topic = "bench-claim-" + stamp;
  for (const auto& t : {throughput_topic, latency_topic, claim_topic}) {
    Check(kafka::EnsureTopics(f.bootstrap_servers,
                              {{t, f.partitions}, {t + "-enriched", f.partitions}, {t + "-dlq", 1}}, 30000));
  }
  std::filesystem::create_directories(f.work_dir);
  pg::Connection db = OpenBenchDb(f);

  // Throughput; --events 0 skips it (to look at latency alone).
  double preload_eps = 0, raw_eps = 0, copy_eps = 0, pipeline_eps = 0, throughput_rss = 0;
  CopyRun copy;
  double run_seconds = 0, db_seconds = 0, kafka_seconds = 0, db_rows = 0;
  std::vector<ThroughputRun> runs;
  if (f.events > 0) {
    std::printf("preloading %lld events into %s ...\n", static_cast<long long>(f.events),
                throughput_topic.c_str());
    std::fflush(stdout);
    auto producer = MakeProducer(f, nullptr);
    const auto preload_start = Clock::now();
    Produce(f, throughput_topic, f.events, 0, producer.get());
    preload_eps = f.events / Seconds(Clock::now() - preload_start);

    raw_eps = RawConsume(f, throughput_topic, f.events);
    std::printf("raw consumer: %.0f events/s\n", raw_eps);
    std::fflush(stdout);
    copy = CopyLimit(f, throughput_topic, f.events);
    copy_eps = copy.steady_eps;
    if (copy.steady) {
      std::printf("transactional copy: %.0f events/s steady (%.0f over the whole run, start-up %.2f s)\n",
                  copy.steady_eps, copy.eps, copy.startup_s);
    } else {
      std::printf(
          "transactional copy: %.0f events/s over the whole run, too short for a steady state "
          "(start-up %.2f s)\n",
          copy.eps, copy.startup_s);
    }
    std::fflush(stdout);

    for (int threads = 1; threads <= f.max_threads; ++threads) {
      runs.push_back(MeasureThroughput(f, db, throughput_topic, threads));
      std::printf("pipeline, %d thread%s: %.0f events/s (log: %s)\n", threads, threads == 1 ? "" : "s",
                  runs.back().eps, runs.back().log.c_str());
      std::fflush(stdout);
    }
    pipeline_eps = runs.front().eps;
    for (const ThroughputRun& r : runs) throughput_rss = std::max(throughput_rss, r.peak_rss);
    run_seconds = runs.front().seconds;
    db_seconds = runs.front().db_seconds;
    kafka_seconds = runs.front().kafka_seconds;
    db_rows = runs.front().db_rows;
  }

  const auto [claim_median_ms, claim_slowest_ms] = MeasureClaims(f, db, claim_topic);
  std::printf("claim -> first commit: median %.0f ms, slowest %.0f ms\n", claim_median_ms, claim_slowest_ms);
  std::fflush(stdout);

  // The latency phases start on a clean disk: the drains leave a few hundred MiB of dirty pages (topics,
  // lake files) that the kernel writes back over the next half minute, and those writes slow
  // PostgreSQL's WAL fsyncs (commits of 0.3-1 s, `IO:WALSync`). A run whose drains ended sooner would be
  // measured during more of it.
  const auto sync_start = Clock::now();
  ::sync();
  std::printf("dirty pages written back before the latency runs: %.1f s\n",
              Seconds(Clock::now() - sync_start));
  std::fflush(stdout);

  // The latency floors, then the pipeline's latency, at the same rate.
  struct Floor {
    const char* producers;
    std::string topic;
    bool one_producer;
    double p50 = 0, p99 = 0;
  };
  std::vector<Floor> floors = {{"a producer per partition", "bench-floor-" + stamp, false},
                               {"one producer", "bench-floor1-" + stamp, true}};
  for (Floor& floor : floors) {
    if (f.floor_seconds == 0) break;
    Check(kafka::EnsureTopics(f.bootstrap_servers, {{floor.topic, f.partitions}}, 30000));
    std::vector<double> ms = CopyLatency(f, floor.topic, floor.one_producer);
    floor.p50 = Percentile(ms, 0.50);
    floor.p99 = Percentile(ms, 0.99);
    std::printf("transactional copy, %s, at %d events/s: send -> committed p50 %.1f ms, p99 %.1f ms\n",
                floor.producers, f.latency_rate, floor.p50, floor.p99);
    std::fflush(stdout);
  }
  ResetTables(db);
  std::filesystem::remove_all(f.work_dir + "/lake-latency");
  Pipeline latency_pipeline(f, latency_topic, f.work_dir + "/lake-latency", f.work_dir + "/latency.log");
  while (Progress(db).size() < static_cast<size_t>(f.partitions)) {  // every partition claimed
    latency_pipeline.DieIfExited();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  SendTimes send_times;
  auto timed_producer = MakeProducer(f, &send_times);
  Visible visible;  // progress changes seen in PostgreSQL
  auto own_pid = db.Query("SELECT pg_backend_pid()");
  Check(own_pid.status());
  WaitSampler waits(f, std::stoi(std::string(own_pid->text(0, 0))));
  CpuSampler cpu;
  MeasuredPeriod period(f, f.latency_seconds);  // used by the poller only until it ends
  std::atomic<bool> enough{false};
  std::atomic<int64_t> sent{-1};  // set once the producer stopped
  std::thread poller([&] {
    std::map<int32_t, int64_t> last;
    while (sent.load() < 0 || Total(last) < sent.load()) {
      latency_pipeline.DieIfExited();
      const auto now = Clock::now();
      bool moved = false;
      for (const auto& [p, off] : Progress(db)) {
        if (off != last[p]) {
          visible[p].emplace_back(off, now);
          last[p] = off;
          moved = true;
        }
      }
      period.Observe(now, Total(last), moved);
      if (period.over(now)) enough = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  sent = Produce(f, latency_topic, std::numeric_limits<int64_t>::max(), f.latency_rate, timed_producer.get(),
                 &enough);
  poller.join();
  // The producer stops only once the measured period has passed.
  const Clock::time_point measured_from = period.since();
  const double warmup_s = period.warmup_seconds();
  std::printf("latency run: warm-up %.1f s%s, then %d s measured\n", warmup_s,
              period.settled() ? "" : " (commits had not settled: measured anyway)", f.latency_seconds);
  std::fflush(stdout);
  const double latency_rss = latency_pipeline.PeakRssMb();
  latency_pipeline.Stop();
  waits.Stop();
  cpu.Stop();
  // The run's topics go: runs add up on a long-lived local broker (seventeen topics each), and a broker with
  // hundreds of idle partitions and gigabytes of old records measured slower than a fresh one.
  std::vector<std::string> run_topics;
  for (const char* suffix : {"-copy", "-copy-dlq"}) run_topics.push_back(throughput_topic + suffix);
  for (const Floor& floor : floors) {
    if (f.floor_seconds == 0) break;
    for (const char* suffix : {"", "-copy", "-copy-dlq"}) run_topics.push_back(floor.topic + suffix);
  }
  for (const auto& t : {throughput_topic, latency_topic, claim_topic}) {
    for (const char* suffix : {"", "-enriched", "-dlq"}) run_topics.push_back(t + suffix);
  }
  if (const Status deleted = kafka::DeleteTopics(f.bootstrap_servers, run_topics, 30000); deleted.ok()) {
    std::printf("deleted the run's %zu topics\n", run_topics.size());
  } else {
    std::printf("warning: %s\n", deleted.message().c_str());
  }

  // Commits over 250 ms: gaps between successive commits seen in PostgreSQL (at the latency run's rate
  // every commit moves some partition's progress), with what PostgreSQL was doing meanwhile. The
  // pipeline's log (latency.log) splits commits over 2 s into Kafka and PostgreSQL time.
  std::vector<Clock::time_point> commits_seen;
  for (const auto& [p, seen] : visible) {
    for (const auto& entry : seen) commits_seen.push_back(entry.second);
  }
  std::sort(commits_seen.begin(), commits_seen.end());
  int slow_commits = 0;
  std::printf(
      "\ncommits over 250 ms in the latency run (from the previous commit seen; PostgreSQL and every "
      "thread's CPU time sampled):\n");
  for (size_t i = 1; i < commits_seen.size(); ++i) {
    const auto gap = commits_seen[i] - commits_seen[i - 1];
    if (gap <= kSlowCommit || commits_seen[i] < measured_from) continue;
    ++slow_commits;
    std::printf("  at %7.2f s: %6.0f ms: %s\n      busiest threads: %s\n",
                Seconds(commits_seen[i - 1] - measured_from),
                std::chrono::duration<double, std::milli>(gap).count(),
                waits.Between(commits_seen[i - 1], commits_seen[i]).c_str(),
                cpu.Between(commits_seen[i - 1], commits_seen[i]).c_str());
  }
  if (slow_commits == 0) std::printf("  none\n");

  // Each measured event's send time (seconds into the measured period) and delay, for plotting spikes.
  std::ofstream series(f.work_dir + "/latency.csv");
  series << "partition,offset,sent_s,delay_ms\n";
  std::vector<double> delays_ms = Delays(send_times, visible, measured_from, &series);
  const double p50 = Percentile(delays_ms, 0.50), p99 = Percentile(delays_ms, 0.99);
  const double max = delays_ms.empty() ? 0 : *std::max_element(delays_ms.begin(), delays_ms.end());
  const double peak_rss = std::max(throughput_rss, latency_rss);

  std::printf("\n%-44s %14s\n", "measure", "value");
  std::printf("%-44s %14lld\n", "events preloaded (4 partitions, 100k users)",
              static_cast<long long>(f.events));
  std::printf("%-44s %14.0f\n", "producer preload, events/s", preload_eps);
  std::printf("%-44s %14.0f\n", "raw librdkafka consumer, events/s", raw_eps);
  std::printf("%-44s %14.0f\n", "transactional copy limit (steady), events/s", copy_eps);
  std::printf("%-44s %14.0f\n", "  copy over the whole run, events/s", copy.eps);
  std::printf("%-44s %14.2f\n", "  copy start-up until all committed, s", copy.startup_s);
  std::printf("%-44s %14.2f\n", "  copy's longest time between commits, s", copy.longest_stall_s);
  std::printf("%-44s %14.2f\n", "  copy CPU (this process), cores", copy.cpu_cores);
  std::printf("%-44s %14.2f\n", "  copy CPU, of which librdkafka, cores", copy.kafka_client_cores);
  std::printf("%-44s %14.2f\n", "  copy CPU after start-up, cores", copy.steady_cpu_cores);
  std::printf("%-44s %14.2f\n", "  copy CPU per event, us", copy.us_per_event);
  std::printf("%-44s %14.0f\n", "  copy's time in commits, % of the run", 100 * copy.commit_share);
  std::printf("%-44s %14.2f\n", "  broker during the copy, cores", copy.broker_cores);
  std::printf("%-44s %14.0f\n", "  machine busy during the copy, % of CPU", 100 * copy.machine_busy);
  std::printf("%-44s %14.0f\n", "pipeline, all sinks, events/s", pipeline_eps);
  std::printf("%-44s %14.2f\n", "ratio pipeline / raw", (raw_eps > 0 ? pipeline_eps / raw_eps : 0.0));
  std::printf("%-44s %14.2f\n", "ratio pipeline / copy", (copy_eps > 0 ? pipeline_eps / copy_eps : 0.0));
  const double events = static_cast<double>(f.events);
  std::printf("%-44s %14.0f\n", "  PostgreSQL transactions, % of the run",
              run_seconds > 0 ? 100 * db_seconds / run_seconds : 0);
  std::printf("%-44s %14.2f\n", "  PostgreSQL rows written per event", events > 0 ? db_rows / events : 0);
  std::printf("%-44s %14.0f\n", "  PostgreSQL rows/s while committing",
              db_seconds > 0 ? db_rows / db_seconds : 0);
  std::printf("%-44s %14.0f\n", "  events/s if PostgreSQL were always busy",
              db_seconds > 0 ? events / db_seconds : 0);
  std::printf("%-44s %14.0f\n", "  Kafka commits, % of the run",
              run_seconds > 0 ? 100 * kafka_seconds / run_seconds : 0);
  std::printf("%-44s %14d\n", "latency run: events/s sent", f.latency_rate);
  std::printf("%-44s %14.1f\n", "latency run: warm-up until commits settled, s", warmup_s);
  std::printf("%-44s %14zu\n", "latency run: events measured", delays_ms.size());
  for (const Floor& floor : floors) {
    if (f.floor_seconds == 0) break;
    for (const auto& [q, v] : {std::pair{"p50", floor.p50}, std::pair{"p99", floor.p99}}) {
      std::printf("%-44s %14.1f\n", ("floor, " + std::string(floor.producers) + ": " + q + ", ms").c_str(),
                  v);
    }
  }
  std::printf("%-44s %14.1f\n", "send -> visible in PostgreSQL p50, ms", p50);
  std::printf("%-44s %14.1f\n", "send -> visible in PostgreSQL p99, ms", p99);
  std::printf("%-44s %14.1f\n", "send -> visible in PostgreSQL max, ms", max);
  std::printf("%-44s %14.1f\n", "pipeline peak RSS, MiB", peak_rss);
  std::printf("%-44s %14.0f\n", "claim -> first commit, median of 4, ms", claim_median_ms);
  std::printf("%-44s %14.0f\n", "claim -> first commit, slowest of 4, ms", claim_slowest_ms);
  // Scaling: the same input with 1 .. --max-threads consumer threads in one process.
  std::printf("\n%-8s %12s %14s %14s %14s %14s %14s %14s %14s\n", "threads", "events/s", "pipeline CPU",
              "librdkafka CPU", "machine busy", "PostgreSQL", "PG rows", "Kafka commits", "peak RSS");
  std::printf("%-8s %12s %14s %14s %14s %14s %14s %14s %14s\n", "", "", "(cores)", "(cores)", "(% of CPU)",
              "(% of run)", "per event", "(% of run)", "(MiB)");
  std::string scaling;
  for (const ThroughputRun& r : runs) {
    // PostgreSQL and Kafka shares are summed over the threads' commits, which overlap.
    std::printf("%-8d %12.0f %14.2f %14.2f %14.0f %14.0f %14.2f %14.0f %14.0f\n", r.threads, r.eps,
                r.cpu_cores, r.kafka_client_cores, 100 * r.machine_busy, 100 * r.db_seconds / r.seconds,
                r.db_rows / events, 100 * r.kafka_seconds / r.seconds, r.peak_rss);
    char row[300];
    std::snprintf(row, sizeof row,
                  "%s{\"threads\":%d,\"eps\":%.0f,\"cpu_cores\":%.2f,\"kafka_client_cores\":%.2f,"
                  "\"machine_busy\":%.2f,\"peak_rss_mb\":%.0f,\"us_per_event\":%.2f,\"broker_cores\":%.2f,"
                  "\"postgres_cores\":%.2f}",
                  scaling.empty() ? "" : ",", r.threads, r.eps, r.cpu_cores, r.kafka_client_cores,
                  r.machine_busy, r.peak_rss, r.us_per_event, r.broker_cores, r.postgres_cores);
    scaling += row;
  }
  // Where the CPU went: each drain's processes, next to the copy's.
  const double machine_cores = std::thread::hardware_concurrency();
  std::printf("\n%-8s %14s %14s %14s %14s %14s\n", "threads", "pipeline CPU", "pipeline CPU", "broker CPU",
              "PostgreSQL CPU", "machine busy");
  std::printf("%-8s %14s %14s %14s %14s %14s\n", "", "(us/event)", "(cores)", "(cores)", "(cores)",
              "(cores)");
  std::printf("%-8s %14.2f %14.2f %14.2f %14s %14.2f\n", "copy", copy.us_per_event, copy.cpu_cores,
              copy.broker_cores, "-", machine_cores * copy.machine_busy);
  for (const ThroughputRun& r : runs) {
    std::printf("%-8d %14.2f %14.2f %14.2f %14.2f %14.2f\n", r.threads, r.us_per_event, r.cpu_cores,
                r.broker_cores, r.postgres_cores, machine_cores * r.machine_busy);
  }
  std::printf(
      "{\"raw_eps\":%.0f,\"copy_eps\":%.0f,\"copy_total_eps\":%.0f,\"copy_startup_s\":%.2f,"
      "\"copy_longest_stall_s\":%.2f,\"copy_cpu_cores\":%.2f,\"copy_us_per_event\":%.2f,"
      "\"copy_broker_cores\":%.2f,\"copy_commit_share\":%.2f,\"copy_steady_cpu_cores\":%.2f,\"pipeline_eps\":"
      "%.0f,\"ratio\":%.3f,\"copy_ratio\":%.3f,"
      "\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"copy_p50_ms\":%.1f,\"copy_p99_ms\":%.1f,"
      "\"copy_one_producer_p50_ms\":%.1f,\"copy_one_producer_p99_ms\":%.1f,"
      "\"slow_commits\":%d,"
      "\"peak_rss_mb\":%.1f,\"claim_median_ms\":%.0f,\"claim_slowest_ms\":%.0f,"
      "\"pg_busy_share\":%.2f,\"pg_rows_per_event\":%.2f,\"pg_rows_per_s\":%.0f,"
      "\"events\":%lld,\"latency_rate\":%d,\"warmup_s\":%.1f,\"commit_interval_ms\":%d,"
      "\"max_result_delay_ms\":%d,\"input_format\":\"%s\",\"scaling\":[%s]}\n",
      raw_eps, copy_eps, copy.eps, copy.startup_s, copy.longest_stall_s, copy.cpu_cores, copy.us_per_event,
      copy.broker_cores, copy.commit_share, copy.steady_cpu_cores, pipeline_eps,
      (raw_eps > 0 ? pipeline_eps / raw_eps : 0.0), (copy_eps > 0 ? pipeline_eps / copy_eps : 0.0), p50, p99,
      max, floors[0].p50, floors[0].p99, floors[1].p50, floors[1].p99, slow_commits, peak_rss,
      claim_median_ms, claim_slowest_ms, run_seconds > 0 ? db_seconds / run_seconds : 0,
      events > 0 ? db_rows / events : 0, db_seconds > 0 ? db_rows / db_seconds : 0,
      static_cast<long long>(f.events), f.latency_rate, warmup_s, f.commit_interval_ms, f.max_result_delay_ms,
      f.input_format.c_str(), scaling.c_str());
  return 0;
}

}  // namespace
}  // namespace clickstream::bench

int main(int argc, char** argv) {
  clickstream::bench::Flags f;
  CLI::App app{"End-to-end benchmark of clickstream run against a raw Kafka consumer"};
  app.add_option("--bootstrap-servers", f.bootstrap_servers)->envname("KAFKA_BOOTSTRAP_SERVERS");
  app.add_option("--db-host", f.db.host)->envname("DB_HOST");
  app.add_option("--db-port", f.db.port)->envname("DB_PORT");
  app.add_option("--db-user", f.db.user)->envname("DB_USER");
  // The password comes from the environment only (DB_PASSWORD), which the pipeline child inherits.
  if (const char* password = std::getenv("DB_PASSWORD")) f.db.password = password;
  app.add_option("--bench-db", f.bench_db, "Database the benchmark creates and truncates");
  app.add_option("--binary", f.binary);
  app.add_option("--schema", f.schema);
  app.add_option("--work-dir", f.work_dir);
  app.add_option("--events", f.events, "Events preloaded for the throughput runs")->capture_default_str();
  app.add_option("--users", f.users)->capture_default_str();
  app.add_option("--latency-rate", f.latency_rate, "Events/s of the latency run")->capture_default_str();
  app.add_option("--latency-seconds", f.latency_seconds)->capture_default_str();
  app.add_option("--floor-seconds", f.floor_seconds,
                 "Seconds of the latency floor (a transactional copy at the latency rate); 0 skips it")
      ->capture_default_str();
  app.add_option("--warmup-seconds", f.warmup_seconds,
                 "Seconds sent before latency is measured, at least: then until the commits settled")
      ->capture_default_str();
  app.add_option("--max-warmup-seconds", f.max_warmup_seconds,
                 "Latency is measured from here even if the commits have not settled")
      ->capture_default_str();
  app.add_option("--max-threads", f.max_threads,
                 "The scaling table: a throughput run with each --threads from 1 to this")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--commit-interval-ms", f.commit_interval_ms, "Passed to clickstream run")
      ->capture_default_str();
  app.add_option("--max-result-delay", f.max_result_delay_ms,
                 "Passed to clickstream run; the copy limit spaces its commits as far")
      ->capture_default_str();
  app.add_option("--input-format", f.input_format, "Encoding of the events: json or avro")
      ->envname("INPUT_FORMAT")
      ->check(CLI::IsMember({"json", "avro"}))
      ->capture_default_str();
  app.add_option("--schema-registry-url", f.schema_registry_url, "Schema registry of Avro input")
      ->envname("SCHEMA_REGISTRY_URL");
  CLI11_PARSE(app, argc, argv);
  return clickstream::bench::Main(f);
}
