#!/usr/bin/env node
// mailer-mcp: an MCP server (stdio) with one tool, send_email, which posts the message
// to a Postmark-style mail API: POST $MAILER_API_URL/email with the server token.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const apiUrl = process.env.MAILER_API_URL;
const serverToken = process.env.MAILER_SERVER_TOKEN;
const sender = process.env.MAILER_FROM;

const server = new McpServer({ name: "mailer-mcp", version: "1.0.0" });

server.registerTool(
  "send_email",
  {
    title: "Send email",
    description: "Send an email to one recipient through the configured mail API",
    inputSchema: {
      to: z.string().email().describe("Recipient email address"),
      subject: z.string().describe("Subject line"),
      textBody: z.string().describe("Plain-text body"),
    },
    annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  async ({ to, subject, textBody }) => {
    if (!apiUrl || !serverToken || !sender) {
      return {
        isError: true,
        content: [{ type: "text", text: "MAILER_API_URL, MAILER_SERVER_TOKEN and MAILER_FROM must be set" }],
      };
    }
    const message = {
      From: sender,
      To: to,
      Subject: subject,
      TextBody: textBody,
      MessageStream: "outbound",
    };
    const response = await fetch(`${apiUrl}/email`, {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-Server-Token": serverToken,
      },
      body: JSON.stringify(message),
    });
    if (!response.ok) {
      return { isError: true, content: [{ type: "text", text: `mail API answered ${response.status}` }] };
    }
    const sent = await response.json();
    return { content: [{ type: "text", text: `Email sent to ${to} (message id ${sent.MessageID})` }] };
  },
);

await server.connect(new StdioServerTransport());
