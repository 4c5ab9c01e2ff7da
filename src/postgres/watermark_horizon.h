// The watermark horizon of a database's results: the smallest watermark of the input topic's partitions
// (each has a partition_progress row, see ResultsSink::RegisterPartitions), NULL while any has none. Every
// partition treats an event before it as late, so no window that ended and no final session that ended
// at or before it changes again, whichever process owns which partition.
#pragma once

namespace clickstream::pg {

// One row, one column: the horizon (timestamptz) or NULL.
inline constexpr char kWatermarkHorizonSql[] =
    "SELECT CASE WHEN bool_and(watermark IS NOT NULL) THEN min(watermark) END FROM partition_progress";

}  // namespace clickstream::pg
