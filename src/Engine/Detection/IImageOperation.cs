using System.Buffers;

namespace Engine.Detection;

/// <summary>What an operation does to one image: writes its output boxes, returns how many.</summary>
internal interface IImageOperation
{
    int Run(DetectionBatch batch, int image, DetectionScratch scratch, Span<double> boxes, Span<double> scores, Span<int> labels);
}
