// Entry point; the component issue that owns this binary replaces this file.
Console.Error.WriteLine("Nexodus.Mesh.Control: not built yet");
return 2;
