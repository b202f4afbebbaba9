namespace Engine.IO;

/// <summary>A single-channel image read from a file, row-major: pixel (x, y) is <c>Pixels[y * Width + x]</c>.</summary>
/// <typeparam name="T">The pixel type: <see cref="byte"/> for PNG masks, <see cref="float"/> for TIFF maps.</typeparam>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Pixels">The <paramref name="Width"/> × <paramref name="Height"/> pixels, top row first.</param>
public sealed record GrayImage<T>(int Width, int Height, T[] Pixels);
