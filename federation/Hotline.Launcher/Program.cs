using Hotline.Launcher;

return await LauncherApp.RunAsync(args);
