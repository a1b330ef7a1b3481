// namespace.h - the C++ namespace of the runtime's and the kernels' internal names.
//
// A generated folder compiled with `llmc compile --api-prefix NAME` (NAME not llm) defines
// LLMRT_NAMESPACE (llmc_NAME) for its own sources, so that two models in one program keep their
// llmrt_* and llmk_* functions apart at link time. Without it (the default) the names stay
// global and the markers below are empty. The C API (llm.h) is never inside the namespace.
#ifndef LLMC_RUNTIME_NAMESPACE_H
#define LLMC_RUNTIME_NAMESPACE_H

#ifdef LLMRT_NAMESPACE
namespace LLMRT_NAMESPACE {}
using namespace LLMRT_NAMESPACE;  // model.cpp and llm-run name the runtime unqualified
#define LLMRT_NAMESPACE_BEGIN namespace LLMRT_NAMESPACE {
#define LLMRT_NAMESPACE_END }
#else
#define LLMRT_NAMESPACE_BEGIN
#define LLMRT_NAMESPACE_END
#endif

#endif  // LLMC_RUNTIME_NAMESPACE_H
