using Engine.Compute;
using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

/// <summary>
/// The ILGPU path of <see cref="RadixSelect"/>: uploads the values and mask once, then launches
/// <see cref="QuantileKernel"/> for each pass and reads back its small histogram.
/// The caller holds <see cref="ComputeContext.LaunchGate"/> for the counter's whole life.
/// </summary>
internal sealed class KernelDigitCounter : IDigitCounter, IDisposable
{
    private readonly ComputeContext _compute;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _floats;
    private readonly MemoryBuffer1D<double, Stride1D.Dense>? _doubles;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _mask;
    private readonly MemoryBuffer1D<ulong, Stride1D.Dense> _prefixes;
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _histogram;
    private readonly int _hasMask;
    private readonly long _length;

    public KernelDigitCounter(ComputeContext compute, ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
        : this(compute, values.Length, mask)
    {
        _floats = compute.Upload(values);
    }

    public KernelDigitCounter(ComputeContext compute, ReadOnlySpan<double> values, ReadOnlySpan<byte> mask)
        : this(compute, values.Length, mask)
    {
        _doubles = compute.Upload(values);
    }

    private KernelDigitCounter(ComputeContext compute, long length, ReadOnlySpan<byte> mask)
    {
        _compute = compute;
        _length = length;
        var accelerator = compute.Accelerator;
        _hasMask = mask.IsEmpty ? 0 : 1;
        _mask = compute.Upload(mask);
        _prefixes = accelerator.Allocate1D<ulong>(QuantileKernel.MaxPrefixes);
        _histogram = accelerator.Allocate1D<long>(QuantileKernel.HistogramLength);
    }

    public int TopDigitBits => QuantileKernel.DigitBits;

    public int NextDigitBits(int prefixCount, int remainingBits) => QuantileKernel.DigitBits;

    public int MaxPrefixes => QuantileKernel.MaxPrefixes;

    public long Count(int shift, int digitBits, ReadOnlySpan<ulong> prefixes, Span<long> counts)
    {
        if (digitBits != QuantileKernel.DigitBits)
            throw new ArgumentOutOfRangeException(nameof(digitBits), digitBits, $"The kernel counts {QuantileKernel.DigitBits}-bit digits.");
        var accelerator = _compute.Accelerator;
        Span<ulong> paddedPrefixes = stackalloc ulong[QuantileKernel.MaxPrefixes];
        prefixes.CopyTo(paddedPrefixes);
        ArrayViewExtensions.CopyFromCPU(_prefixes.View.BaseView, paddedPrefixes);
        _histogram.MemSetToZero();

        var config = ComputeContext.GridStride(_length, QuantileKernel.GroupSize);
        if (_floats is not null)
        {
            var kernel = _compute.Kernel(QuantileKernel.HistogramFloat, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<byte>, int, ArrayView<ulong>, int, int, ArrayView<long>>(QuantileKernel.HistogramFloat));
            kernel(config, _floats.View, _mask.View, _hasMask, _prefixes.View, prefixes.Length, shift, _histogram.View);
        }
        else
        {
            var kernel = _compute.Kernel(QuantileKernel.HistogramDouble, a => a.LoadStreamKernel<ArrayView<double>, ArrayView<byte>, int, ArrayView<ulong>, int, int, ArrayView<long>>(QuantileKernel.HistogramDouble));
            kernel(config, _doubles!.View, _mask.View, _hasMask, _prefixes.View, prefixes.Length, shift, _histogram.View);
        }
        accelerator.Synchronize();

        var histogram = _histogram.GetAsArray1D();
        histogram.AsSpan(0, counts.Length).CopyTo(counts);
        return prefixes.IsEmpty ? histogram[QuantileKernel.HistogramLength - 1] : 0;
    }

    public void Dispose()
    {
        _floats?.Dispose();
        _doubles?.Dispose();
        _mask.Dispose();
        _prefixes.Dispose();
        _histogram.Dispose();
    }
}
