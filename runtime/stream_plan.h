// stream_plan.h - which layers stay resident in the streamed weights mode (llmc compile
// --weights-mode streamed). Header-only and free of the runtime's other parts: llmc plans with it
// at compile time (llmc inspect --ram, the budget check, manifest.json) and llm_open at run time,
// so the two cannot disagree.
#ifndef LLMC_RUNTIME_STREAM_PLAN_H
#define LLMC_RUNTIME_STREAM_PLAN_H

#include <cstddef>
#include <cstdint>

#include "runtime/namespace.h"

LLMRT_NAMESPACE_BEGIN

/// A read with O_DIRECT starts and ends on a 4096-byte boundary of the file, into a buffer at
/// such a boundary: each read buffer is a whole number of these, one more than its unit needs.
static const uint64_t LLMRT_STREAM_READ_ALIGN = 4096;

/// The layer of a weights.bin tensor: N of "layers.N.<name>", or -1 for a tensor outside layers.
inline int llmrt_stream_layer_of(const char* name) {
  const char prefix[] = "layers.";
  for (size_t i = 0; i + 1 < sizeof(prefix); ++i) {
    if (name[i] != prefix[i]) return -1;
  }
  const char* p = name + sizeof(prefix) - 1;
  long n = 0;
  for (; *p >= '0' && *p <= '9'; ++p) {
    n = n * 10 + (*p - '0');
    if (n > 1000000) return -1;
  }
  return p != name + sizeof(prefix) - 1 && *p == '.' ? int(n) : -1;
}

/// The tensors' bytes in the weight buffer, each 64-byte aligned as in weights.bin.
constexpr uint64_t llmrt_stream_align64(uint64_t bytes) { return (bytes + 63) / 64 * 64; }

/// A layer's weights stream in units: the tensors one kernel call reads (a projection and the
/// norm fused into it), contiguous in weights.bin and read in execution order, so that a read
/// buffer holds the largest op's weights rather than a whole layer's. Residency is planned by
/// layer: the first layers that fit stay in memory whole.
struct llmrt_stream_plan {
  uint32_t resident_layers;  // layers 0 .. resident_layers-1 stay in memory; the rest stream
  uint64_t resident_bytes;   // the tensors outside layers plus the resident layers
  uint64_t slot_bytes;       // each of the two read buffers (0 when every layer is resident)
  uint64_t total_bytes;      // resident_bytes + 2 * slot_bytes: at most the budget
  uint64_t min_budget;       // the smallest budget any plan fits in
};

/// The bytes of a plan that keeps the layers before `resident` in memory. Unit u holds
/// `unit_bytes[u]` (its tensors, 64-byte aligned) of layer `unit_layer[u]`; `other_bytes` are the
/// tensors outside layers.
inline uint64_t llmrt_stream_plan_bytes(const uint64_t* unit_bytes, const uint32_t* unit_layer,
                                        uint32_t units, uint64_t other_bytes, uint32_t resident,
                                        uint64_t* out_slot_bytes) {
  uint64_t total = other_bytes, largest = 0;
  bool streams = false;
  for (uint32_t u = 0; u < units; ++u) {
    if (unit_layer[u] < resident) {
      total += unit_bytes[u];
    } else {
      streams = true;
      if (unit_bytes[u] > largest) largest = unit_bytes[u];
    }
  }
  const uint64_t a = LLMRT_STREAM_READ_ALIGN;
  uint64_t slot = streams ? (largest + a - 1) / a * a + a : 0;
  *out_slot_bytes = slot;
  return total + 2 * slot;
}

/// Keeps as many leading layers (of `layers`) resident as `budget` bytes allow beside the tensors
/// outside layers and two buffers of the largest streamed unit (units as in
/// llmrt_stream_plan_bytes). Returns false when no plan fits (out->min_budget says what would);
/// out is filled either way.
inline bool llmrt_plan_stream(const uint64_t* unit_bytes, const uint32_t* unit_layer,
                              uint32_t units, uint32_t layers, uint64_t other_bytes,
                              uint64_t budget, llmrt_stream_plan* out) {
  *out = llmrt_stream_plan{};
  out->min_budget = UINT64_MAX;
  bool found = false;
  for (uint32_t r = layers + 1; r-- > 0;) {
    uint64_t slot = 0;
    uint64_t bytes =
        llmrt_stream_plan_bytes(unit_bytes, unit_layer, units, other_bytes, r, &slot);
    if (bytes < out->min_budget) out->min_budget = bytes;
    if (!found && bytes <= budget) {
      found = true;
      out->resident_layers = r;
      out->slot_bytes = slot;
      out->total_bytes = bytes;
      out->resident_bytes = bytes - 2 * slot;
    }
  }
  return found;
}

LLMRT_NAMESPACE_END

#endif  // LLMC_RUNTIME_STREAM_PLAN_H
