// Live depth cameras through OpenNI2 (Kinect via freenect driver, Xtion,
// Astra). Without a device — the usual case on CI — openOpenNi2() throws
// InputError "no device found", which a run reports as its failure.
#include <cstring>

#include "engines/core/Error.h"
#include "engines/rgbd/RgbdSource.h"

#ifdef LOUPE_HAVE_OPENNI2
#include <OpenNI.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace loupe::rgbd {

#ifdef LOUPE_HAVE_OPENNI2
namespace {

// OpenNI::initialize() dlopens its device drivers, whose static
// initialisers allocate objects they never free (Debian's libopenni2-0
// 2.2.0.33). Under the sanitizer lane those allocations are not ours to
// report: LeakSanitizer is told to ignore them. (A suppression file cannot
// name them: the drivers are unloaded again and leave no frames to match.)
openni::Status initialize() {
#if defined(__SANITIZE_ADDRESS__)
  __lsan::ScopedDisabler thirdPartyLeaks;
#endif
  return openni::OpenNI::initialize();
}

class OpenNi2Source : public RgbdSource {
 public:
  OpenNi2Source() {
    if (initialize() != openni::STATUS_OK) {
      throw InputError("openni2", std::string("initialisation failed: ") + openni::OpenNI::getExtendedError());
    }
    openni::Array<openni::DeviceInfo> devices;
    openni::OpenNI::enumerateDevices(&devices);
    if (devices.getSize() == 0) {
      openni::OpenNI::shutdown();
      throw InputError("openni2", "no device found (is a Kinect/Xtion/Astra plugged in, and may this user open it?)");
    }
    m_name = devices[0].getName();
    if (m_device.open(openni::ANY_DEVICE) != openni::STATUS_OK ||
        m_depth.create(m_device, openni::SENSOR_DEPTH) != openni::STATUS_OK) {
      throw InputError("openni2", std::string("cannot open the depth stream: ") + openni::OpenNI::getExtendedError());
    }
    if (m_color.create(m_device, openni::SENSOR_COLOR) == openni::STATUS_OK) {
      m_device.setImageRegistrationMode(openni::IMAGE_REGISTRATION_DEPTH_TO_COLOR);
      m_color.start();
      m_haveColor = true;
    }
    m_depth.start();
  }
  ~OpenNi2Source() override {
    m_depth.stop();
    if (m_haveColor) m_color.stop();
    m_depth.destroy();
    m_color.destroy();
    m_device.close();
    openni::OpenNI::shutdown();
  }
  std::string describe() const override { return "OpenNI2 " + m_name; }
  std::int64_t frameCount() const override { return -1; }
  bool read(std::int64_t, RgbdFrame& frame) override {
    openni::VideoFrameRef depth;
    if (m_depth.readFrame(&depth) != openni::STATUS_OK) return false;
    const int w = depth.getWidth(), h = depth.getHeight();
    // Horizontal field of view gives the focal length: f = (w/2) / tan(hfov/2).
    const double f = 0.5 * w / std::tan(0.5 * m_depth.getHorizontalFieldOfView());
    frame.intrinsics = {w, h, f, f, (w - 1) / 2.0, (h - 1) / 2.0};
    frame.timestamp = depth.getTimestamp() * 1e-6;
    const auto* raw = static_cast<const std::uint16_t*>(depth.getData());
    frame.depth.resize(static_cast<std::size_t>(w) * h);
    for (std::size_t i = 0; i < frame.depth.size(); ++i) frame.depth[i] = raw[i] ? raw[i] * 0.001f : NAN;
    frame.rgb.clear();
    openni::VideoFrameRef color;
    if (m_haveColor && m_color.readFrame(&color) == openni::STATUS_OK && color.getWidth() == w &&
        color.getHeight() == h) {
      const auto* rgb = static_cast<const std::uint8_t*>(color.getData());
      frame.rgb.assign(rgb, rgb + frame.depth.size() * 3);
    }
    frame.truth.clear();
    return true;
  }

 private:
  openni::Device m_device;
  openni::VideoStream m_depth, m_color;
  bool m_haveColor = false;
  std::string m_name;
};

}  // namespace

std::unique_ptr<RgbdSource> openOpenNi2() {
  return std::make_unique<OpenNi2Source>();
}
#else
std::unique_ptr<RgbdSource> openOpenNi2() {
  throw InputError("openni2", "this build has no OpenNI2 support (install libopenni2-dev and rebuild)");
}
#endif

}  // namespace loupe::rgbd
