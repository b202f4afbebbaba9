using System.Buffers.Binary;

namespace Engine.IO;

/// <summary>A matrix of embeddings: <see cref="Rows"/> × <see cref="Dimension"/> float32, row-major.</summary>
/// <param name="Data">The values, row-major.</param>
/// <param name="Rows">Number of embeddings.</param>
/// <param name="Dimension">Floats per embedding.</param>
public sealed record EmbeddingMatrix(float[] Data, int Rows, int Dimension);
