using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Nexodus.Mesh.Control.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RelayNodeIdentity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CertificateSha256",
                table: "RelayNodes",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PublicKey",
                table: "RelayNodes",
                type: "TEXT",
                maxLength: 44,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CertificateSha256",
                table: "RelayNodes");

            migrationBuilder.DropColumn(
                name: "PublicKey",
                table: "RelayNodes");
        }
    }
}
