// OpenCV DNN as the convolution peer: a one-layer net, so its own kernels
// (and its own threads) run exactly the problem ours do.
#include <opencv2/dnn.hpp>

#include "engines/scaling/ConvKernels.h"

namespace loupe::scaling {

struct OpenCvConv::Impl {
  ConvProblem problem;
  cv::dnn::Net net;
};

OpenCvConv::OpenCvConv(const ConvProblem& p, const float* weights) : m_impl(new Impl) {
  validate(p);
  m_impl->problem = p;
  cv::dnn::LayerParams lp;
  lp.type = "Convolution";
  lp.name = "conv";
  lp.set("kernel_size", p.kernel);
  lp.set("stride", p.stride);
  lp.set("pad", p.pad());
  lp.set("num_output", p.out);
  lp.set("group", p.kind == ConvKind::Depthwise ? p.channels : 1);
  lp.set("bias_term", false);
  const int perGroup = p.kind == ConvKind::Depthwise ? 1 : p.channels;
  const int wshape[] = {p.out, perGroup, p.kernel, p.kernel};
  cv::Mat w(4, wshape, CV_32F);
  std::memcpy(w.ptr<float>(), weights, static_cast<std::size_t>(p.weightElements()) * sizeof(float));
  lp.blobs.push_back(w);
  m_impl->net.addLayerToPrev(lp.name, lp.type, lp);
  m_impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  m_impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

OpenCvConv::~OpenCvConv() {
  delete m_impl;
}

void OpenCvConv::run(const float* input, float* output) {
  const ConvProblem& p = m_impl->problem;
  // A header over the caller's buffer: setInput copies it into the net once.
  const int ishape[] = {1, p.channels, p.height, p.width};
  m_impl->net.setInput(cv::Mat(4, ishape, CV_32F, const_cast<float*>(input)));
  const cv::Mat out = m_impl->net.forward();
  std::memcpy(output, out.ptr<float>(), static_cast<std::size_t>(p.outputElements()) * sizeof(float));
}

}  // namespace loupe::scaling
