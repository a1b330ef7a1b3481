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
/// buffer holds an op's weights rather than a whole layer's. Residency is planned by layer: the
/// first layers that fit stay in memory whole.
///
/// The streamed units (first_streamed .. the last) are read in turn into two buffers, each
/// token's from the first streamed one on. When a token streams an even number of units, the
/// turns line up: streamed unit k always lands in buffer k % 2 (whatever came before: the first
/// call, a new prompt, a failed read), and the unit after the last, the next token's first,
/// lands in the buffer the last one did not, so each buffer is sized for its own units (q/k/v
/// and gate+up in one, o_proj and down_proj in the other). With an odd number the turns shift by
/// one every token, so both buffers hold the largest unit and a unit goes to the buffer the
/// model is not computing from.
struct llmrt_stream_plan {
  uint32_t resident_layers;  // layers 0 .. resident_layers-1 stay in memory; the rest stream
  uint32_t first_streamed;   // the first unit of a streamed layer (the unit count when none)
  bool by_parity;            // streamed unit k is read into buffer k % 2 (see above)
  uint64_t resident_bytes;   // the tensors outside layers plus the resident layers
  uint64_t slot_bytes[2];    // each of the two read buffers (0 when every layer is resident)
  uint64_t total_bytes;      // resident_bytes + both read buffers: at most the budget
  uint64_t min_budget;       // the smallest budget any plan fits in
};

/// The read buffer that holds `bytes` of unit data: the unit's bytes rounded up to whole
/// 4096-byte blocks, and one block more, for a read that starts at the block before its offset.
constexpr uint64_t llmrt_stream_slot_bytes_for(uint64_t bytes) {
  return bytes == 0 ? 0
                    : (bytes + LLMRT_STREAM_READ_ALIGN - 1) / LLMRT_STREAM_READ_ALIGN *
                              LLMRT_STREAM_READ_ALIGN +
                          LLMRT_STREAM_READ_ALIGN;
}

/// The buffer (0 or 1) unit `unit` is read into, or -1 where the plan leaves it to the run (the
/// one the model is not computing from: plans not by_parity).
inline int llmrt_stream_slot_of(const llmrt_stream_plan* plan, uint32_t unit) {
  return plan->by_parity ? int((unit - plan->first_streamed) % 2) : -1;
}

/// The plan that keeps the layers before `resident` in memory (all but min_budget). Unit u holds
/// `unit_bytes[u]` (its tensors, 64-byte aligned) of layer `unit_layer[u]`, the units in
/// execution order (their layers ascending); `other_bytes` are the tensors outside layers.
inline void llmrt_stream_plan_for(const uint64_t* unit_bytes, const uint32_t* unit_layer,
                                  uint32_t units, uint64_t other_bytes, uint32_t resident,
                                  llmrt_stream_plan* out) {
  out->resident_layers = resident;
  out->resident_bytes = other_bytes;
  out->first_streamed = units;
  for (uint32_t u = units; u-- > 0;) {
    if (unit_layer[u] < resident)
      out->resident_bytes += unit_bytes[u];
    else
      out->first_streamed = u;
  }
  out->by_parity = (units - out->first_streamed) % 2 == 0;
  uint64_t largest[2] = {0, 0};
  for (uint32_t u = out->first_streamed; u < units; ++u) {
    uint64_t& slot = largest[out->by_parity ? (u - out->first_streamed) % 2 : 0];
    if (unit_bytes[u] > slot) slot = unit_bytes[u];
  }
  if (!out->by_parity) largest[1] = largest[0];
  out->slot_bytes[0] = llmrt_stream_slot_bytes_for(largest[0]);
  out->slot_bytes[1] = llmrt_stream_slot_bytes_for(largest[1]);
  out->total_bytes = out->resident_bytes + out->slot_bytes[0] + out->slot_bytes[1];
}

/// The first streamed unit (of `units`, as in llmrt_stream_plan_for) that the plan would read
/// into a buffer too small for it, or -1 when each fits the buffer it lands in (either buffer
/// where the plan leaves the choice to the run). llm_open refuses a plan that fails this.
inline long llmrt_stream_plan_misfit(const llmrt_stream_plan* plan, const uint64_t* unit_bytes,
                                     uint32_t units) {
  for (uint32_t u = plan->first_streamed; u < units; ++u) {
    const int k = llmrt_stream_slot_of(plan, u);
    uint64_t room = k >= 0 ? plan->slot_bytes[k]
                  : plan->slot_bytes[0] < plan->slot_bytes[1] ? plan->slot_bytes[0]
                                                               : plan->slot_bytes[1];
    if (llmrt_stream_slot_bytes_for(unit_bytes[u]) > room) return long(u);
  }
  return -1;
}

/// Keeps as many leading layers (of `layers`) resident as `budget` bytes allow beside the tensors
/// outside layers and the two read buffers (units as in llmrt_stream_plan_for). Returns false
/// when no plan fits (out->min_budget says what would); out is filled either way.
inline bool llmrt_plan_stream(const uint64_t* unit_bytes, const uint32_t* unit_layer,
                              uint32_t units, uint32_t layers, uint64_t other_bytes,
                              uint64_t budget, llmrt_stream_plan* out) {
  *out = llmrt_stream_plan{};
  uint64_t min_budget = UINT64_MAX;
  bool found = false;
  for (uint32_t r = layers + 1; r-- > 0;) {
    llmrt_stream_plan plan{};
    llmrt_stream_plan_for(unit_bytes, unit_layer, units, other_bytes, r, &plan);
    if (plan.total_bytes < min_budget) min_budget = plan.total_bytes;
    if (!found && plan.total_bytes <= budget) {
      found = true;
      *out = plan;
    }
  }
  out->min_budget = min_budget;
  return found;
}

LLMRT_NAMESPACE_END

#endif  // LLMC_RUNTIME_STREAM_PLAN_H
