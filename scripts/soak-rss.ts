// Preloaded (node --require) into the CLI by npm run soak: at exit, writes the
// process's peak RSS to $SOAK_RSS_FILE, so the CLI itself stays unmodified.
import * as fs from 'fs';

process.on('exit', () => {
  const file = process.env.SOAK_RSS_FILE;
  if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
