using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

public static partial class Quantile
{
    /// <summary>
    /// The ILGPU path of <see cref="RadixSelect"/>: uploads the values and mask once, then launches
    /// <see cref="QuantileKernel"/> for each pass and reads back its small histogram. Its buffers live as long as the
    /// launch it is given.
    /// </summary>
    private sealed class KernelDigitCounter : IDigitCounter
    {
        private readonly KernelLaunch _launch;
        private readonly MemoryBuffer1D<float, Stride1D.Dense>? _floats;
        private readonly MemoryBuffer1D<double, Stride1D.Dense>? _doubles;
        private readonly MemoryBuffer1D<byte, Stride1D.Dense> _mask;
        private readonly MemoryBuffer1D<ulong, Stride1D.Dense> _prefixes;
        private readonly MemoryBuffer1D<long, Stride1D.Dense> _histogram;
        private readonly int _hasMask;
        private readonly long _length;

        public KernelDigitCounter(KernelLaunch launch, ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
            : this(launch, values.Length, mask)
        {
            _floats = launch.Upload(values);
        }

        public KernelDigitCounter(KernelLaunch launch, ReadOnlySpan<double> values, ReadOnlySpan<byte> mask)
            : this(launch, values.Length, mask)
        {
            _doubles = launch.Upload(values);
        }

        private KernelDigitCounter(KernelLaunch launch, long length, ReadOnlySpan<byte> mask)
        {
            _launch = launch;
            _length = length;
            _hasMask = mask.IsEmpty ? 0 : 1;
            _mask = launch.Upload(mask);
            _prefixes = launch.Allocate<ulong>(QuantileKernel.MaxPrefixes);
            _histogram = launch.Allocate<long>(QuantileKernel.HistogramLength);
        }

        public int TopDigitBits => QuantileKernel.DigitBits;

        public int NextDigitBits(int prefixCount, int remainingBits) => QuantileKernel.DigitBits;

        public int MaxPrefixes => QuantileKernel.MaxPrefixes;

        public long Count(int shift, int digitBits, ReadOnlySpan<ulong> prefixes, Span<long> counts)
        {
            if (digitBits != QuantileKernel.DigitBits)
                throw new ArgumentOutOfRangeException(nameof(digitBits), digitBits, $"The kernel counts {QuantileKernel.DigitBits}-bit digits.");
            Span<ulong> paddedPrefixes = stackalloc ulong[QuantileKernel.MaxPrefixes];
            prefixes.CopyTo(paddedPrefixes);
            _launch.Upload<ulong>(paddedPrefixes, _prefixes.View);
            _histogram.MemSetToZero();

            var config = ComputeContext.GridStride(_length);
            if (_floats is not null)
            {
                var kernel = _launch.Kernel(QuantileKernel.HistogramFloat, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<byte>, int, ArrayView<ulong>, int, int, ArrayView<long>>(QuantileKernel.HistogramFloat));
                kernel(config, _floats.View, _mask.View, _hasMask, _prefixes.View, prefixes.Length, shift, _histogram.View);
            }
            else
            {
                var kernel = _launch.Kernel(QuantileKernel.HistogramDouble, a => a.LoadStreamKernel<ArrayView<double>, ArrayView<byte>, int, ArrayView<ulong>, int, int, ArrayView<long>>(QuantileKernel.HistogramDouble));
                kernel(config, _doubles!.View, _mask.View, _hasMask, _prefixes.View, prefixes.Length, shift, _histogram.View);
            }
            _launch.Accelerator.Synchronize();

            Span<long> histogram = stackalloc long[QuantileKernel.HistogramLength];
            _launch.Download(_histogram.View, histogram);
            histogram[..counts.Length].CopyTo(counts);
            return prefixes.IsEmpty ? histogram[QuantileKernel.HistogramLength - 1] : 0;
        }
    }
}
