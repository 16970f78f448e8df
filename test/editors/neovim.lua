-- Headless Neovim as an LSP client of fsdax-audit-server (test/lsp/neovim.test.ts).
-- Neovim 0.7 (Debian 12) has no vim.lsp.start, so start_client + buf_attach_client.
local server = os.getenv('FSDAX_SERVER_BIN')
local out = os.getenv('FSDAX_NVIM_OUT')
local root = os.getenv('FSDAX_ROOT')
local id = vim.lsp.start_client({ name = 'fsdax-audit', cmd = { 'node', '--v8-pool-size=1', server, '--stdio' }, root_dir = root })
vim.lsp.buf_attach_client(0, id)
vim.wait(30000, function() return #vim.diagnostic.get(0) >= 2 end, 100)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(lines, string.format('%d %s %s', d.lnum + 1, tostring(d.code or lsp.code), tostring(d.source or lsp.source)))
end
table.sort(lines)
vim.fn.writefile(lines, out)
vim.cmd('qa!')
