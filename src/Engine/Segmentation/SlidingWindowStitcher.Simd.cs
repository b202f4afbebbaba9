using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Engine.Compute;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>The CPU path: bands of accumulator rows in parallel, windows in order within a band.</summary>
public sealed partial class SlidingWindowStitcher
{
    private sealed class Scratch(int gatherLength, int rowLength)
    {
        public readonly float[] G0 = new float[gatherLength];
        public readonly float[] G1 = new float[gatherLength];
        public readonly float[] Row = new float[rowLength];
    }

    private unsafe void AccumulateSimd(ReadOnlySpan<float> predictions, StitchWindow[] windows, int n)
    {
        var (top, bottom) = RowsTouched(windows, n);
        if (bottom <= top)
            return;
        int bands = (bottom - top + BandRows - 1) / BandRows;
        fixed (float* p = predictions)
        {
            nint pp = (nint)p;
            int length = predictions.Length;
            ParallelChunks.For(bands, 1,
                () => new Scratch(TileHeight * _windowWidth, _windowWidth),
                (scratch, band, _) =>
                {
                    int y0 = top + band * BandRows;
                    AccumulateBand(new ReadOnlySpan<float>((float*)pp, length), windows, n, y0, Math.Min(y0 + BandRows, bottom), scratch);
                },
                static _ => { });
        }
    }

    /// <summary>The accumulator rows [top, bottom) that a batch's counted windows touch.</summary>
    private static (int Top, int Bottom) RowsTouched(StitchWindow[] windows, int n)
    {
        int top = int.MaxValue, bottom = 0;
        for (int k = 0; k < n; k++)
        {
            top = Math.Min(top, windows[k].Y + windows[k].RowFrom);
            bottom = Math.Max(bottom, windows[k].Y + windows[k].RowTo);
        }
        return (top, bottom);
    }

    /// <summary>Applies every window, in order, to accumulator rows [<paramref name="y0"/>, <paramref name="y1"/>).</summary>
    private void AccumulateBand(ReadOnlySpan<float> predictions, StitchWindow[] windows, int n, int y0, int y1, Scratch scratch)
    {
        int tileLength = TileHeight * TileWidth;
        bool upsampled = _rows.Factor > 1;
        if (!upsampled && _weights is null)
        {
            AddBand(predictions, windows, n, y0, y1);
            return;
        }
        for (int k = 0; k < n; k++)
        {
            var (wy, wx, rowFrom, rowTo, v0, v1) = windows[k];
            int u0 = Math.Max(rowFrom, y0 - wy), u1 = Math.Min(rowTo, y1 - wy);
            if (u0 >= u1 || v0 >= v1)
                continue;
            var tile = predictions.Slice(k * tileLength, tileLength);
            if (upsampled)
                _cols.Gather(tile, TileWidth, _rows.I0[u0], _rows.I1[u1 - 1] + 1, scratch.G0, scratch.G1);
            for (int u = u0; u < u1; u++)
            {
                int at = (wy + u) * _accWidth + wx + v0;
                var sum = _sum.AsSpan(at, v1 - v0);
                if (_weights is null)
                {
                    // Constant weights: the counts come from the windows' rectangles at the end (CountWindows).
                    if (upsampled)
                        UpsampleAxis.AddRow(_rows, _cols, scratch.G0, scratch.G1, u, v0, v1, sum);
                    else
                        AccumulateRow(sum, default, tile.Slice(u * TileWidth + v0, v1 - v0), default);
                    continue;
                }
                ReadOnlySpan<float> values;
                if (upsampled)
                {
                    UpsampleAxis.Row(_rows, _cols, scratch.G0, scratch.G1, u, v0, v1, scratch.Row);
                    values = scratch.Row.AsSpan(0, v1 - v0);
                }
                else
                {
                    values = tile.Slice(u * TileWidth + v0, v1 - v0);
                }
                AccumulateRow(sum, _count.AsSpan(at, v1 - v0), values, _weights.AsSpan(u * _windowWidth + v0, v1 - v0));
            }
        }
    }

    /// <summary>
    /// <see cref="AccumulateBand"/> for windows as given with constant weights (the fast mode's low-resolution sum):
    /// sum += p row by row, the arrays pinned once per band rather than sliced per row of a few pixels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void AddBand(ReadOnlySpan<float> predictions, StitchWindow[] windows, int n, int y0, int y1)
    {
        int tileWidth = TileWidth, tileLength = TileHeight * TileWidth, width = _accWidth;
        fixed (float* p = predictions, s = _sum)
        {
            for (int k = 0; k < n; k++)
            {
                var (wy, wx, rowFrom, rowTo, v0, v1) = windows[k];
                int u0 = Math.Max(rowFrom, y0 - wy), u1 = Math.Min(rowTo, y1 - wy);
                int length = v1 - v0;
                if (u0 >= u1 || length <= 0)
                    continue;
                float* source = p + (long)k * tileLength + v0;
                float* target = s + (long)wy * width + wx + v0;
                for (int u = u0; u < u1; u++)
                    AddRow(target + (long)u * width, source + u * tileWidth, length);
            }
        }
    }

    /// <summary>s[i] += p[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* s, float* p, int n)
        => ElementWise.Binary(default(ElementWise.Add), new ReadOnlySpan<float>(s, n), new ReadOnlySpan<float>(p, n), new Span<float>(s, n));

    /// <summary>
    /// The constant-weight counts: how many windows' counted rectangles cover each pixel. A float32 sum of ones is
    /// exact up to 2^24, so this equals numpy's cnt[...] += 1 bit for bit without touching the counts per window.
    /// </summary>
    private void CountWindows()
    {
        var rectangles = _rectangles!.ToArray();
        int width = _accWidth;
        var count = _count;
        ParallelChunks.For(_accHeight, BandRows, () => new int[width + 1], (diff, y0, y1) =>
        {
            // Running column differences, changed only at the rows where a rectangle starts or ends: rectangles
            // covering row y0 go in at once, the others are events bucketed by row (e = r enters, ~r leaves).
            Array.Clear(diff);
            var head = new int[y1 - y0 + 1];
            for (int r = 0; r < rectangles.Length; r += 4)
            {
                if (rectangles[r] >= y1 || rectangles[r + 1] <= y0)
                    continue;
                if (rectangles[r] <= y0)
                {
                    diff[rectangles[r + 2]]++;
                    diff[rectangles[r + 3]]--;
                }
                else
                {
                    head[rectangles[r] - y0]++;
                }
                if (rectangles[r + 1] < y1)
                    head[rectangles[r + 1] - y0]++;
            }
            int events = 0;
            for (int i = 0; i < head.Length; i++)
            {
                int n = head[i];
                head[i] = events;
                events += n;
            }
            var bucket = new int[events];
            var fill = head.AsSpan(0, y1 - y0).ToArray();
            for (int r = 0; r < rectangles.Length; r += 4)
            {
                if (rectangles[r] >= y1 || rectangles[r + 1] <= y0)
                    continue;
                if (rectangles[r] > y0)
                    bucket[fill[rectangles[r] - y0]++] = r;
                if (rectangles[r + 1] < y1)
                    bucket[fill[rectangles[r + 1] - y0]++] = ~r;
            }
            for (int y = y0; y < y1; y++)
            {
                for (int e = head[y - y0]; e < head[y - y0 + 1]; e++)
                {
                    int r = bucket[e], sign = 1;
                    if (r < 0)
                    {
                        r = ~r;
                        sign = -1;
                    }
                    diff[rectangles[r + 2]] += sign;
                    diff[rectangles[r + 3]] -= sign;
                }
                var row = count.AsSpan(y * width, width);
                int running = 0;
                for (int x = 0; x < width; x++)
                {
                    running += diff[x];
                    row[x] = running;
                }
            }
        }, static _ => { });
    }

    /// <summary>sum += w·p and count += w; without weights sum += p alone (1·p is p, so the bits are numpy's).</summary>
    private static void AccumulateRow(Span<float> sum, Span<float> count, ReadOnlySpan<float> values, ReadOnlySpan<float> weights)
    {
        if (weights.IsEmpty)
        {
            ElementWise.Binary(default(ElementWise.Add), sum, values, sum);
            return;
        }
        ElementWise.Ternary(default(ElementWise.AddProduct), sum, weights, values, sum);
        ElementWise.Binary(default(ElementWise.Add), count, weights, count);
    }

    /// <summary>Per-tile mode: sum / count where covered, the fill where not, 0 outside the mask.</summary>
    private void FinishFullResolution(Span<float> output, ReadOnlySpan<byte> mask)
    {
        float fill = Options.Uncovered;
        bool sigmoid = Options.Activation == StitchActivation.SigmoidAfterStitch;
        var sum = _sum;
        var count = _count;
        int width = Width;
        ForOutputRows(output, mask, static () => 0, (_, y, row, maskRow) =>
        {
            DivideRow(sum.AsSpan(y * width, width), count.AsSpan(y * width, width), maskRow, fill, row);
            if (sigmoid)
                SigmoidCovered(row, count.AsSpan(y * width, width), maskRow);
        });
    }

    private delegate void OutputRow<TState>(TState state, int y, Span<float> row, ReadOnlySpan<byte> maskRow);

    /// <summary>
    /// Runs <paramref name="body"/> on every row of the output map (and of the mask, empty when none), bands in
    /// parallel, each worker with its own state from <paramref name="createState"/>.
    /// </summary>
    private unsafe void ForOutputRows<TState>(Span<float> output, ReadOnlySpan<byte> mask, Func<TState> createState, OutputRow<TState> body)
    {
        int width = Width;
        fixed (float* o = output)
        fixed (byte* m = mask)
        {
            nint op = (nint)o, mp = (nint)m;
            ParallelChunks.For(Height, BandRows, createState, (state, r0, r1) =>
            {
                for (int y = r0; y < r1; y++)
                {
                    body(state, y, new Span<float>((float*)op + (long)y * width, width),
                        mp == 0 ? default : new ReadOnlySpan<byte>((byte*)mp + (long)y * width, width));
                }
            }, static _ => { });
        }
    }

    /// <summary>out = count &gt; 0 ? sum / count : fill, and 0 where the mask is 0.</summary>
    private static void DivideRow(ReadOnlySpan<float> sum, ReadOnlySpan<float> count, ReadOnlySpan<byte> mask, float fill, Span<float> output)
    {
        ElementWise.Binary(new DivideOrFill(fill), sum, count, output);
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0)
                output[i] = 0f;
        }
    }

    /// <summary>x / y where y &gt; 0, else the fill: the mean of a covered pixel's predictions.</summary>
    internal readonly struct DivideOrFill(float fill) : ElementWise.IBinaryOperator
    {
        public float Invoke(float x, float y) => y > 0 ? x / y : fill;

        public TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => TWidth.ConditionalSelect(TWidth.GreaterThan(y, default), TWidth.Divide(x, y), TWidth.Create(fill));
    }

    private static void SigmoidCovered(Span<float> row, ReadOnlySpan<float> count, ReadOnlySpan<byte> mask)
    {
        for (int i = 0; i < row.Length; i++)
        {
            if (count[i] > 0 && (mask.IsEmpty || mask[i] != 0))
                row[i] = 1f / (1f + MathF.Exp(-row[i]));
        }
    }

    /// <summary>
    /// Fast mode: the low-resolution mean (0 where uncovered, so that upsampling near a gap stays finite), upsampled
    /// once with the same arithmetic as per-tile upsampling, cropped; a pixel counts as covered when its
    /// low-resolution pixel ⌊y/f⌋, ⌊x/f⌋ is.
    /// </summary>
    private unsafe void FinishFast(Span<float> output, ReadOnlySpan<byte> mask)
    {
        int f = _scale, lowH = _accHeight, lowW = _accWidth, width = Width;
        // Scratch that is written in full before it is read: no need to zero it.
        var low = GC.AllocateUninitializedArray<float>(_sum.Length);
        DivideRow(_sum, _count, default, 0f, low);
        var upsampler = new WholeMapUpsampler(new UpsampleAxis(lowH, f, Options.Upsampling, Options.AlignCorners),
            new UpsampleAxis(lowW, f, Options.Upsampling, Options.AlignCorners), lowW, width);
        float fill = Options.Uncovered;
        bool sigmoid = Options.Activation == StitchActivation.SigmoidAfterStitch;
        var count = _count;
        fixed (float* o = output)
        fixed (byte* m = mask)
        {
            nint op = (nint)o, mp = (nint)m;
            ParallelChunks.For(Height, BandRows, upsampler.CreateScratch, (scratch, r0, r1) =>
            {
                upsampler.Rows(low, r0, r1, scratch, (float*)op);
                for (int y = r0; y < r1; y++)
                {
                    var row = new Span<float>((float*)op + (long)y * width, width);
                    var maskRow = mp == 0 ? default : new ReadOnlySpan<byte>((byte*)mp + (long)y * width, width);
                    var lowCount = count.AsSpan(y / f * lowW, lowW);
                    // The common case, a row covered everywhere with no mask and no sigmoid, is done.
                    if (maskRow.IsEmpty && !sigmoid && !lowCount.Contains(0f))
                        continue;
                    for (int x = 0; x < width; x++)
                    {
                        bool inside = maskRow.IsEmpty || maskRow[x] != 0;
                        bool covered = lowCount[x / f] > 0;
                        row[x] = !inside ? 0f : !covered ? fill : sigmoid ? 1f / (1f + MathF.Exp(-row[x])) : row[x];
                    }
                }
            }, static _ => { });
        }
    }
}
