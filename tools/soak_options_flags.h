// Command-line flags shared by the tools that analyse soak CSVs, so
// soak_analyze and soak_compare read a run the same way.
#ifndef HAKMEM_TOOLS_SOAK_OPTIONS_FLAGS_H_
#define HAKMEM_TOOLS_SOAK_OPTIONS_FLAGS_H_

#include <cstddef>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "tools/soak_analysis.h"

ABSL_DECLARE_FLAG(std::string, warmup);
ABSL_DECLARE_FLAG(double, window_fraction);
ABSL_DECLARE_FLAG(size_t, tail_epochs);

namespace hakmem::tools {

// SoakOptions from --warmup, --window_fraction and --tail_epochs.
absl::StatusOr<SoakOptions> SoakOptionsFromFlags();

}  // namespace hakmem::tools

#endif  // HAKMEM_TOOLS_SOAK_OPTIONS_FLAGS_H_
