// The build profile, fixed at compile time by --config=fast|balanced|observe.
#ifndef HAKMEM_PROFILES_PROFILE_H_
#define HAKMEM_PROFILES_PROFILE_H_

namespace hakmem {

enum class Profile { kFast, kBalanced, kObserve };

#if defined(HAKMEM_PROFILE_BALANCED)
inline constexpr Profile kProfile = Profile::kBalanced;
inline constexpr const char* kProfileName = "BALANCED";
#elif defined(HAKMEM_PROFILE_OBSERVE)
inline constexpr Profile kProfile = Profile::kObserve;
inline constexpr const char* kProfileName = "OBSERVE";
#else
inline constexpr Profile kProfile = Profile::kFast;
inline constexpr const char* kProfileName = "FAST";
#endif

}  // namespace hakmem

#endif  // HAKMEM_PROFILES_PROFILE_H_
