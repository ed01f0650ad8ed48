#include "tools/soak_options_flags.h"

#include "absl/flags/flag.h"
#include "absl/status/status.h"

ABSL_FLAG(std::string, warmup, "10%",
          "start of the run left out of the figures: a share of the epochs (10%) or a time (30s, 5m)");
ABSL_FLAG(double, window_fraction, 0.1,
          "drift compares the mean of this share of the last measured epochs with as many epochs "
          "right after warm-up");
ABSL_FLAG(size_t, tail_epochs, 10, "epochs at the end of the run given their own tail summary");

namespace hakmem::tools {

absl::StatusOr<SoakOptions> SoakOptionsFromFlags() {
  SoakOptions options;
  absl::StatusOr<WarmupSpec> warmup = ParseWarmupSpec(absl::GetFlag(FLAGS_warmup));
  if (!warmup.ok()) return warmup.status();
  options.warmup = *warmup;
  options.window_fraction = absl::GetFlag(FLAGS_window_fraction);
  if (!(options.window_fraction > 0 && options.window_fraction <= 0.5)) {
    return absl::InvalidArgumentError("--window_fraction must be in (0, 0.5]");
  }
  options.tail_epochs = absl::GetFlag(FLAGS_tail_epochs);
  return options;
}

}  // namespace hakmem::tools
