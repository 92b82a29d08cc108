// What the rgbd.stream kind records, named once for the kind that writes it
// and the panel that reads it (panels/rgbd). No engine header: panels
// include this.
//
// rgbd.stream — one step per frame (step = frame index from 0):
//   metrics, every frame: timestamp_s (the frame's time, s; the replay pace),
//     fill_rate (pixels with a valid depth / all pixels, 0–1), points (points
//     in the kept cloud), t_source_ms, t_filter_ms, t_cloud_ms, t_keep_ms
//     (stage times, ms), t_total_ms (the whole frame, ms), fps (1000 /
//     t_total_ms);
//   with ground-truth depth: gt_fill_rate (measured / GT-valid pixels, 0–1),
//     rmse_m, mae_m (m), bad_pct (% of compared pixels off by > 5 cm);
//   a stereo pair with ground-truth disparity: bad2_pct (% of matched pixels
//     off by > 2 px), matched_pct (% of GT-known pixels matched),
//     median_disparity_error_px (px).
//   arrays: depth_mm (u16, height × width, millimetres, 0 = no depth);
//     rgb (u8, height × width × 3, where the source has colour);
//     abs_error_m (float32, height × width, |depth − truth| in m, NaN where
//     either is missing; with ground-truth depth);
//     disparity_px (float32, height × width, px, NaN unmatched; stereo
//     sources);
//     with record = "cloud": cloud (float32, points × 3, x y z in m, camera
//     frame, the kept — down-sampled — cloud) and, where the source has
//     colour, cloud_rgb (u8, points × 3).
//   Also device / cuda_fallback (text, written by DeviceChoice for every
//   kind). The sensor model ("stereo", "tof", "structured_light", "ideal")
//   and the source are recipe params, not per-step records; the organized
//   cloud is rebuilt from depth_mm and the recipe's intrinsics.
#pragma once

namespace loupe::rgbd_records {

// Metrics
inline constexpr const char* kTimestamp = "timestamp_s";
inline constexpr const char* kFillRate = "fill_rate";
inline constexpr const char* kPoints = "points";
inline constexpr const char* kGtFillRate = "gt_fill_rate";
inline constexpr const char* kRmse = "rmse_m";
inline constexpr const char* kMae = "mae_m";
inline constexpr const char* kBadPct = "bad_pct";
inline constexpr const char* kBad2Pct = "bad2_pct";
inline constexpr const char* kMatchedPct = "matched_pct";
inline constexpr const char* kMedianDisparityError = "median_disparity_error_px";
inline constexpr const char* kSourceMs = "t_source_ms";
inline constexpr const char* kFilterMs = "t_filter_ms";
inline constexpr const char* kCloudMs = "t_cloud_ms";
inline constexpr const char* kKeepMs = "t_keep_ms";
inline constexpr const char* kTotalMs = "t_total_ms";
inline constexpr const char* kFps = "fps";

// Arrays
inline constexpr const char* kDepthMm = "depth_mm";
inline constexpr const char* kRgb = "rgb";
inline constexpr const char* kAbsError = "abs_error_m";
inline constexpr const char* kDisparity = "disparity_px";
inline constexpr const char* kCloud = "cloud";
inline constexpr const char* kCloudRgb = "cloud_rgb";

// depth_mm: millimetres, kNoDepthMm where there is no depth.
inline constexpr int kNoDepthMm = 0;
inline constexpr float kMmPerMetre = 1000.0f;
inline constexpr float kMetresPerMm = 0.001f;

}  // namespace loupe::rgbd_records
